package catalog

// typeOrder is the order in which plans list types within a stage (a
// listener rule after its target group). Apply orders work by real
// dependencies instead: the desired graph for creates, and
// Type.References (reversed) for deletions.
var typeOrder = []string{
	IAMRole, IAMInstanceProfile, SecurityGroup,
	ECRRepository, LogGroup, LoadBalancer, Listener, Cluster, LaunchTemplate,
	AutoScalingGroup, CapacityProvider, ClusterCapacityProviderAssoc,
	TaskDefinition, TargetGroup, ListenerRule, Alarm,
	Service,
	ScalableTarget, ScalingPolicy,
}

// Rank returns the position of a type in listing order (unknown types
// last).
func Rank(name string) int {
	for i, t := range typeOrder {
		if t == name {
			return i
		}
	}
	return len(typeOrder)
}
