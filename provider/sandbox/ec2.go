package sandbox

import (
	"maps"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func init() {
	register(&handler{
		Type:     catalog.SecurityGroup,
		Taggable: true,
		NameProp: "GroupName",
		// Up to 255 characters (EC2 API Reference: CreateSecurityGroup,
		// GroupName).
		NameMax:  255,
		CreateOp: "ec2:CreateSecurityGroup",
		UpdateOp: "ec2:AuthorizeSecurityGroupIngress",
		DeleteOp: "ec2:DeleteSecurityGroup",
		// Up to 1000 a page (DescribeSecurityGroups, MaxResults).
		Reads:      []readCall{{Op: "ec2:DescribeSecurityGroups", Page: 1000}},
		CreateOnly: []string{"GroupName", "GroupDescription", "VpcId"},
		Prepare: func(p map[string]any) {
			for _, k := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
				objs(p, k, func(r map[string]any) {
					asNumber(r, "FromPort", "ToPort")
					asString(r, "IpProtocol")
				})
			}
		},
		// Names are unique within the VPC, regardless of case (EC2 API
		// Reference: CreateSecurityGroup, GroupName); a taken name is
		// InvalidGroup.Duplicate and an unknown group
		// InvalidGroup.NotFound (EC2 API Reference: Error codes).
		Key: func(c *txc, p map[string]any) (string, error) {
			n, err := lowerNameKey("GroupName")(c, p)
			return str(p, "VpcId") + "/" + n, err
		},
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", str(ex.Props, "GroupName"), str(ex.Props, "VpcId"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		},
		Validate: validateSecurityGroup,
		// A revoked rule cuts the traffic it admitted at once.
		Update: func(c *txc, old, r *record) error {
			c.noteSecurityGroup(r)
			return nil
		},
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("sg", r.Key)
			if err != nil {
				return err
			}
			r.ID = "sg-" + b.hex(17)
			r.Attrs = map[string]string{"GroupId": r.ID, "VpcId": str(r.Props, "VpcId")}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			for _, k := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
				objs(p, k, func(rule map[string]any) { readSGRule(c, rule) })
			}
			// EC2 gives a new group an allow-all IPv4 egress rule and no
			// ingress rule (Amazon VPC User Guide: Security group rules,
			// default rules of a new group).
			if len(list(p, "SecurityGroupEgress")) == 0 {
				p["SecurityGroupEgress"] = []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}
			}
			setDefault(p, "SecurityGroupIngress", []any{})
			c.shuffleKey(r, "", p, "SecurityGroupIngress")
			c.shuffleKey(r, "", p, "SecurityGroupEgress")
		},
		// A group referenced by another group's rules or attached to a
		// network interface cannot be deleted: DependencyViolation (EC2
		// API Reference: DeleteSecurityGroup). Load balancers and
		// services' tasks hold interfaces in it; a launch template stands
		// for the instances its Auto Scaling group launched (instances
		// are not modelled).
		CheckDelete: func(c *txc, r *record) error {
			users, err := c.referrers(r, catalog.SecurityGroup, catalog.Service, catalog.LoadBalancer, catalog.LaunchTemplate)
			if err != nil {
				return err
			}
			if len(users) > 0 {
				return c.errorf("DependencyViolation", "resource %s has a dependent object", r.ID)
			}
			return nil
		},
	})

	register(&handler{
		Type:     catalog.LaunchTemplate,
		Taggable: true,
		NameProp: "LaunchTemplateName",
		// 3 to 128 characters (EC2 API Reference: CreateLaunchTemplate,
		// LaunchTemplateName).
		NameMax:  128,
		CreateOp: "ec2:CreateLaunchTemplate",
		UpdateOp: "ec2:CreateLaunchTemplateVersion",
		DeleteOp: "ec2:DeleteLaunchTemplate",
		// DescribeLaunchTemplates: up to 200 a page; versions are read
		// per template (DescribeLaunchTemplateVersions).
		Reads:      []readCall{{Op: "ec2:DescribeLaunchTemplates", Page: 200}, {Op: "ec2:DescribeLaunchTemplateVersions", PerItem: true}},
		CreateOnly: []string{"LaunchTemplateName"},
		// EC2 API Reference: Error codes,
		// InvalidLaunchTemplateName.AlreadyExistsException,
		// InvalidLaunchTemplateId.NotFound; LaunchTemplateData is required
		// (MissingParameter).
		Key: nameKey("LaunchTemplateName"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
		},
		Validate: func(c *txc, r, old *record) error {
			if obj(r.Props, "LaunchTemplateData") == nil {
				return c.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateData")
			}
			return nil
		},
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("lt", r.Key)
			if err != nil {
				return err
			}
			r.ID = "lt-" + b.hex(17)
			r.Versions = []ltVersion{{Number: 1, Data: copyMap(obj(r.Props, "LaunchTemplateData")), Description: str(r.Props, "VersionDescription"), Created: c.now}}
			r.Attrs = map[string]string{"LaunchTemplateId": r.ID, "LatestVersionNumber": "1", "DefaultVersionNumber": "1"}
			return nil
		},
		// Launch templates are immutable: a change to the data is a new
		// version, numbered in order (EC2 API Reference:
		// CreateLaunchTemplateVersion), which the provider makes the
		// default (ModifyLaunchTemplate, DefaultVersion), as
		// CloudFormation does.
		Update: func(c *txc, old, r *record) error {
			if jsonEqual(obj(old.Props, "LaunchTemplateData"), obj(r.Props, "LaunchTemplateData")) {
				return nil
			}
			n := len(old.Versions) + 1
			r.Versions = append(append([]ltVersion(nil), old.Versions...), ltVersion{Number: n, Data: copyMap(obj(r.Props, "LaunchTemplateData")), Description: str(r.Props, "VersionDescription"), Created: c.now})
			r.Attrs = maps.Clone(old.Attrs)
			r.Attrs["LatestVersionNumber"] = strconv.Itoa(n)
			r.Attrs["DefaultVersionNumber"] = strconv.Itoa(n)
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			// EC2 stores launch template data as given: nothing is filled
			// in, but its lists come back in their own order.
			if d := obj(p, "LaunchTemplateData"); d != nil {
				c.shuffleKey(r, "LaunchTemplateData", d, "SecurityGroupIds")
				c.shuffleKey(r, "LaunchTemplateData", d, "SecurityGroups")
				c.shuffleKey(r, "LaunchTemplateData", d, "BlockDeviceMappings")
			}
		},
		NameRefs: func(p map[string]any) []string {
			if n := str(obj(obj(p, "LaunchTemplateData"), "IamInstanceProfile"), "Name"); n != "" {
				return []string{"iam-instance-profile:" + strings.ToLower(n)}
			}
			return nil
		},
		RefName: func(r *record) string { return "ec2-launch-template:" + r.Key },
	})
}

// ipProtocolNames are the names EC2 reads protocol numbers back as: a
// rule's protocol is a name (tcp, udp, icmp, icmpv6) or a number, -1 for
// all (EC2 API Reference: IpPermission, IpProtocol); numbers with a name
// read back as the name (observed).
var ipProtocolNames = map[string]string{"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1", "ALL": "-1"}

// readSGRule returns a rule as DescribeSecurityGroups does: protocol
// numbers as names, no ports for all-traffic rules (-1 allows every
// port: IpPermission, IpProtocol), and the owner account of a source
// group spelled out (UserIdGroupPair, UserId).
func readSGRule(c *txc, rule map[string]any) {
	proto := strings.ToLower(str(rule, "IpProtocol"))
	if n, ok := ipProtocolNames[proto]; ok {
		proto = n
	}
	rule["IpProtocol"] = proto
	if proto == "-1" {
		delete(rule, "FromPort")
		delete(rule, "ToPort")
	}
	for _, k := range []string{"SourceSecurityGroupId", "DestinationSecurityGroupId"} {
		if str(rule, k) != "" {
			setDefault(rule, strings.TrimSuffix(k, "Id")+"OwnerId", c.account)
		}
	}
}

// validateSecurityGroup checks what CreateSecurityGroup and the authorize
// calls check (EC2 API Reference: CreateSecurityGroup, IpPermission): a
// description (MissingParameter), a name not starting with sg-, a
// protocol, ports for tcp and udp (InvalidParameterValue), source groups
// that exist (InvalidGroup.NotFound).
func validateSecurityGroup(c *txc, r, old *record) error {
	if str(r.Props, "GroupDescription") == "" {
		return c.errorf("MissingParameter", "The request must contain the parameter groupDescription")
	}
	if strings.HasPrefix(str(r.Props, "GroupName"), "sg-") {
		return c.errorf("InvalidParameterValue", "Group names may not be in the format sg-*")
	}
	for _, k := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
		for _, e := range list(r.Props, k) {
			rule, ok := e.(map[string]any)
			if !ok {
				continue
			}
			if str(rule, "IpProtocol") == "" {
				return c.errorf("MissingParameter", "The request must contain the parameter ipProtocol")
			}
			proto := strings.ToLower(str(rule, "IpProtocol"))
			if proto == "tcp" || proto == "udp" || proto == "6" || proto == "17" {
				from, ok1 := num(rule, "FromPort")
				to, ok2 := num(rule, "ToPort")
				if !ok1 || !ok2 || from > to || from < 0 || to > 65535 {
					return c.errorf("InvalidParameterValue", "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
				}
			}
			for _, ref := range []string{"SourceSecurityGroupId", "DestinationSecurityGroupId"} {
				id := str(rule, ref)
				if id == "" || (r.ID != "" && id == r.ID) {
					continue
				}
				if x, err := c.liveByAlias(catalog.SecurityGroup, id); err != nil {
					return err
				} else if x == nil {
					return c.notFound("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
				}
			}
		}
	}
	return nil
}
