package catalog

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

func init() {
	Register(&Type{
		Name:           SecurityGroup,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Tags: TagsList},
		References: []Reference{
			{Path: "SecurityGroupIngress.SourceSecurityGroupId", Type: SecurityGroup},
			{Path: "SecurityGroupEgress.DestinationSecurityGroupId", Type: SecurityGroup},
		},
		Short:        "security group",
		Stage:        StageIdentity,
		Attributes:   []string{"GroupId", "VpcId"},
		ForceNew:     []string{"GroupName", "GroupDescription", "VpcId"},
		NameProperty: "GroupName",
		Tagged:       true,
		Ignore:       []string{"GroupId", "Id"},
		Normalise:    normaliseSecurityGroup,
		// EC2 authorizes and revokes rules one by one; revoking the rule
		// a running deployment's port needs cuts its traffic at once.
		Grants: []string{"SecurityGroupIngress", "SecurityGroupEgress"},
	})
	Register(&Type{
		Name:           LaunchTemplate,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Tags: TagsSpecifications, TagResourceType: "launch-template"},
		References: []Reference{
			{Path: "LaunchTemplateData.IamInstanceProfile.Arn", Type: IAMInstanceProfile},
			{Path: "LaunchTemplateData.IamInstanceProfile.Name", Type: IAMInstanceProfile},
			{Path: "LaunchTemplateData.SecurityGroupIds", Type: SecurityGroup},
			{Path: "LaunchTemplateData.NetworkInterfaces.Groups", Type: SecurityGroup},
		},
		Short:      "launch template",
		Stage:      StageFoundation,
		Attributes: []string{"LaunchTemplateId", "LatestVersionNumber", "DefaultVersionNumber"},
		// A change to LaunchTemplateData creates a new template version in
		// place (the Auto Scaling group follows LatestVersionNumber).
		ForceNew:     []string{"LaunchTemplateName"},
		NameProperty: "LaunchTemplateName",
		Tagged:       true,
		Ignore:       []string{"LaunchTemplateId", "LatestVersionNumber", "DefaultVersionNumber"},
		// An update registers a new version.
		UpdatedAttributes: []string{"LatestVersionNumber"},
		Normalise:         normaliseLaunchTemplate,
		// The ECS-optimised AMI is named by its public SSM parameter;
		// a plan compares the AMI it names now.
		Resolves: []string{"LaunchTemplateData.ImageId"},
	})
}

// ipProtocols maps the protocol numbers EC2 accepts to the names it reads
// back.
var ipProtocols = map[string]string{"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}

// normaliseSecurityGroup: rules are sets; protocol numbers read back as
// names; "-1" (all traffic) ignores ports; a group created without egress
// rules gets AWS's default allow-all IPv4 egress rule.
func normaliseSecurityGroup(p map[string]any) {
	for _, key := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
		Objs(p, key, normaliseRule)
	}
	if len(List(p, "SecurityGroupEgress")) == 0 {
		p["SecurityGroupEgress"] = []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}
	}
	Sets(p, "SecurityGroupIngress", "SecurityGroupEgress")
}

func normaliseRule(r map[string]any) {
	if s, ok := Scalar(r["IpProtocol"]); ok {
		s = strings.ToLower(s)
		if n, ok := ipProtocols[s]; ok {
			s = n
		}
		r["IpProtocol"] = s
	}
	Numbers(r, "FromPort", "ToPort")
	if r["IpProtocol"] == "-1" {
		delete(r, "FromPort")
		delete(r, "ToPort")
	}
	// Whichever way the source group is named, its id identifies it.
	delete(r, "SourceSecurityGroupOwnerId")
}

// normaliseLaunchTemplate: EC2 stores launch template data as given (no
// defaults filled), but sets inside it are sets, and user data, base64 on
// the wire, is compared (and shown) decoded.
func normaliseLaunchTemplate(p map[string]any) {
	d := Obj(p, "LaunchTemplateData")
	if d != nil {
		Set(d, "SecurityGroupIds")
		Set(d, "SecurityGroups")
		if s, ok := d["UserData"].(string); ok {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil && utf8.Valid(b) {
				d["UserData"] = string(b)
			}
		}
		Objs(d, "BlockDeviceMappings", func(b map[string]any) {
			if e := Obj(b, "Ebs"); e != nil {
				Numbers(e, "VolumeSize", "Iops", "Throughput")
			}
		})
		SetBy(d, "BlockDeviceMappings", "DeviceName")
		Objs(d, "TagSpecifications", func(t map[string]any) { SetBy(t, "Tags", "Key") })
		SetBy(d, "TagSpecifications", "ResourceType")
		if mo := Obj(d, "MetadataOptions"); mo != nil {
			Number(mo, "HttpPutResponseHopLimit")
		}
	}
	Objs(p, "TagSpecifications", func(t map[string]any) { SetBy(t, "Tags", "Key") })
	SetBy(p, "TagSpecifications", "ResourceType")
	// VersionDescription describes a version, not the template.
	delete(p, "VersionDescription")
}
