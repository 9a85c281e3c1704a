package catalog

// typeOrder is the order in which types are created within a stage when
// one may depend on another (a listener rule needs its target group); it
// is reversed for deletions, so a target group still used by a rule is
// never deleted before the rule.
var typeOrder = []string{
	IAMRole, IAMInstanceProfile, SecurityGroup,
	ECRRepository, LogGroup, LoadBalancer, Listener, Cluster, LaunchTemplate,
	AutoScalingGroup, CapacityProvider, ClusterCapacityProviderAssoc,
	TaskDefinition, TargetGroup, ListenerRule, Alarm,
	Service,
	ScalableTarget, ScalingPolicy,
}

// Rank returns the position of a type in creation order (unknown types
// last): sort by stage, then Rank, to create in dependency order; reverse
// both to delete.
func Rank(name string) int {
	for i, t := range typeOrder {
		if t == name {
			return i
		}
	}
	return len(typeOrder)
}
