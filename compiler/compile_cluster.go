package compiler

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
)

// Managed scaling settings of EC2 capacity providers. ECS's defaults,
// written out so the graph holds what AWS reads back.
const (
	managedScalingMinStep = 1
	managedScalingMaxStep = 10000
	instanceWarmupSeconds = 300
)

// clusters compiles each cluster: the ECS cluster itself and, for EC2
// capacity, everything that runs its instances.
func (b *builder) clusters() error {
	for _, c := range b.env.Clusters {
		var err error
		if c.Capacity.IsEC2() {
			err = b.ec2Cluster(c)
		} else {
			err = b.fargateCluster(c)
		}
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
	}
	return nil
}

func containerInsights(on bool) l {
	v := "disabled"
	if on {
		v = "enabled"
	}
	return l{m{"Name": "containerInsights", "Value": v}}
}

// fargateStrategy is a Fargate cluster's capacity provider strategy, the
// same list for the cluster's default and for each of its services.
func fargateStrategy(c config.Capacity) l {
	var out l
	add := func(provider string, s *config.Strategy) {
		if s != nil {
			out = append(out, m{"CapacityProvider": provider, "Base": s.Base, "Weight": s.Weight})
		}
	}
	add("FARGATE", c.Fargate)
	add("FARGATE_SPOT", c.FargateSpot)
	if len(out) == 0 { // the loader fills this; keep the spec's default anyway
		out = l{m{"CapacityProvider": "FARGATE", "Base": 0, "Weight": 1}}
	}
	return out
}

// fargateCluster: the cluster with its capacity providers inline.
func (b *builder) fargateCluster(c *config.Cluster) error {
	strategy := fargateStrategy(c.Capacity)
	var providers l
	for _, s := range strategy {
		providers = append(providers, s.(m)["CapacityProvider"])
	}
	name := b.n.cluster(c.Name)
	_, err := b.add(clusterAddr(c.Name), catalog.Cluster, name, m{
		"ClusterName":                     name,
		"ClusterSettings":                 containerInsights(c.ContainerInsights),
		"CapacityProviders":               providers,
		"DefaultCapacityProviderStrategy": strategy,
	})
	return err
}

// serviceStrategy is the capacity provider strategy a service on cluster c
// uses: the cluster's default, written on the service so that what runs
// where is visible in the service's own definition.
func (b *builder) serviceStrategy(c *config.Cluster) l {
	if c.Capacity.IsEC2() {
		return l{m{"CapacityProvider": b.n.capacityProvider(c.Name), "Base": 0, "Weight": 1}}
	}
	return fargateStrategy(c.Capacity)
}

// instanceArch returns the CPU architecture of an instance type as EC2
// names it ("x86_64" or "arm64").
var instanceArch = func(instanceType string) (string, error) {
	it, ok := LookupInstanceType(instanceType)
	if !ok {
		return "", fmt.Errorf("instance type %q is not in gantry's table (docs/validate.md lists the families covered)", instanceType)
	}
	return it.Arch, nil
}

// ecsAMIParameter is the public SSM parameter of the current ECS-optimised
// Amazon Linux 2023 AMI for an architecture. The x86_64 variant has no
// architecture segment in its path.
func ecsAMIParameter(arch string) string {
	if arch == "arm64" {
		return "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
	}
	return "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

// userData is the instance boot script: it joins the instance to the
// cluster and keeps awsvpc tasks away from the instance's metadata
// endpoint (tasks use their own task role, never the instance's). On a
// fleet with Spot, the agent drains an instance when EC2 announces its
// interruption, so its tasks are replaced elsewhere within the two
// minutes' notice.
func userData(clusterName string, spot bool) string {
	script := "#!/bin/bash\n" +
		"cat >> /etc/ecs/ecs.config <<'EOF'\n" +
		"ECS_CLUSTER=" + clusterName + "\n" +
		"ECS_AWSVPC_BLOCK_IMDS=true\n"
	if spot {
		script += "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"
	}
	script += "EOF\n"
	return base64.StdEncoding.EncodeToString([]byte(script))
}

// ec2Cluster: the cluster, and an Auto Scaling group of ECS-optimised
// instances behind a capacity provider with managed scaling.
//
//	instance-role ─ instance-profile ─┐
//	security-group ───────────────────┴─ launch-template ─ auto-scaling-group
//	  ─ capacity-provider ─ capacity-provider-associations ─ cluster
//
// Each part is added after the parts it refers to, left to right.
func (b *builder) ec2Cluster(c *config.Cluster) error {
	// The architecture picks the AMI; an unknown instance type fails
	// before anything of the cluster is added. The checks keep a mix to
	// one architecture, so the first type's is the fleet's.
	types := c.Capacity.EC2.Types()
	if len(types) == 0 {
		return fmt.Errorf("no instance type")
	}
	arch, err := instanceArch(types[0])
	if err != nil {
		return err
	}
	cAddr := clusterAddr(c.Name)
	clusterName := b.n.cluster(c.Name)
	// No capacity providers inline: with EC2 they are attached by the
	// associations resource, which must wait for the capacity provider.
	if _, err := b.add(cAddr, catalog.Cluster, clusterName, m{
		"ClusterName":     clusterName,
		"ClusterSettings": containerInsights(c.ContainerInsights),
	}); err != nil {
		return err
	}
	profileAddr, sgAddr, err := b.instanceIdentity(c)
	if err != nil {
		return err
	}
	ltAddr, err := b.launchTemplate(c, arch, profileAddr, sgAddr)
	if err != nil {
		return err
	}
	asgAddr, err := b.autoScalingGroup(c, ltAddr)
	if err != nil {
		return err
	}
	cpAddr, err := b.capacityProvider(c, asgAddr)
	if err != nil {
		return err
	}
	return b.capacityProviderAssociations(c, cAddr, cpAddr)
}

// instanceIdentity adds what the cluster's instances run as: the instance
// role (the ECS agent's permissions, through AWS's managed policy for
// container instances), its instance profile, and a security group with no
// ingress, since awsvpc tasks get their own groups. It returns the
// addresses of the profile and the group, which the launch template names.
func (b *builder) instanceIdentity(c *config.Cluster) (profileAddr, sgAddr string, err error) {
	roleAddr := clusterPart(c.Name, "instance-role")
	roleName := b.n.instanceRole(c.Name)
	if _, err := b.add(roleAddr, catalog.IAMRole, roleName, m{
		"RoleName":                 roleName,
		"AssumeRolePolicyDocument": trustPolicy("ec2.amazonaws.com", nil),
		"ManagedPolicyArns": l{
			"arn:" + b.part + ":iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
		},
	}); err != nil {
		return "", "", err
	}
	profileAddr = clusterPart(c.Name, "instance-profile")
	profileName := b.n.instanceProfile(c.Name)
	if _, err := b.add(profileAddr, catalog.IAMInstanceProfile, profileName, m{
		"InstanceProfileName": profileName,
		"Roles":               l{roleName},
	}, roleAddr); err != nil {
		return "", "", err
	}
	sgAddr = clusterPart(c.Name, "security-group")
	sgName := b.n.securityGroup(c.Name, "instances")
	if err := b.securityGroup(sgAddr, sgName, "gantry: ECS container instances of cluster "+c.Name+" (no ingress)", l{}); err != nil {
		return "", "", err
	}
	return profileAddr, sgAddr, nil
}

// launchTemplate adds the template every instance of the cluster boots
// from and returns its address.
func (b *builder) launchTemplate(c *config.Cluster, arch, profileAddr, sgAddr string) (string, error) {
	ec2 := c.Capacity.EC2
	data := m{
		"ImageId":            imageID(ec2, arch),
		"IamInstanceProfile": m{"Arn": ref(profileAddr, "Arn")},
		"SecurityGroupIds":   l{ref(sgAddr, "GroupId")},
		"UserData":           userData(b.n.cluster(c.Name), ec2.Spot != nil),
		// IMDSv2 only; one hop, so nothing in a container reaches the
		// instance's credentials.
		"MetadataOptions": m{
			"HttpEndpoint":            "enabled",
			"HttpTokens":              "required",
			"HttpPutResponseHopLimit": 1,
		},
	}
	// A mixed fleet's types are the group's overrides; the template
	// names none.
	if !ec2.Mixed() {
		data["InstanceType"] = ec2.Types()[0]
	}
	// Without a configured size the AMI's own root volume is used, and
	// the template says nothing about it.
	if ec2.RootVolumeGiB > 0 {
		data["BlockDeviceMappings"] = rootVolume(ec2.RootVolumeGiB)
	}
	ltAddr := clusterPart(c.Name, "launch-template")
	ltName := b.n.launchTemplate(c.Name)
	_, err := b.add(ltAddr, catalog.LaunchTemplate, ltName, m{
		"LaunchTemplateName": ltName,
		"LaunchTemplateData": data,
	})
	return ltAddr, err
}

// rootVolume is the block device mapping of an instance's root volume of
// the given size: gp3, encrypted, gone with the instance.
func rootVolume(gib int) l {
	return l{m{
		"DeviceName": "/dev/xvda", // the root device of Amazon Linux 2023 AMIs
		"Ebs": m{
			"VolumeSize":          gib,
			"VolumeType":          "gp3",
			"Encrypted":           true,
			"DeleteOnTermination": true,
		},
	}}
}

// autoScalingGroup adds the group that runs the cluster's instances from
// the launch template and returns its address. Its size between min and
// max is left to the capacity provider's managed scaling. A single
// on-demand type names the template; a mix, weights or Spot go through a
// MixedInstancesPolicy. Either way a changed template reaches running
// instances by an instance refresh (Refresh).
func (b *builder) autoScalingGroup(c *config.Cluster, ltAddr string) (string, error) {
	ec2 := c.Capacity.EC2
	asgAddr := clusterPart(c.Name, "auto-scaling-group")
	asgName := b.n.autoScalingGroup(c.Name)
	props := m{
		"AutoScalingGroupName": asgName,
		"MinSize":              strconv.Itoa(ec2.MinInstances),
		"MaxSize":              strconv.Itoa(ec2.MaxInstances),
		// One subnet per availability zone: instances spread across them.
		"VPCZoneIdentifier": strs(b.env.Network.PrivateSubnets),
		"HealthCheckType":   "EC2",
		// Managed termination protection (in the capacity provider)
		// requires new instances to be protected from scale-in; ECS lifts
		// the protection from an instance once no task runs on it.
		"NewInstancesProtectedFromScaleIn": true,
	}
	if ec2.Mixed() {
		props["MixedInstancesPolicy"] = mixedInstancesPolicy(ec2, ltAddr)
	} else {
		props["LaunchTemplate"] = m{
			"LaunchTemplateId": ref(ltAddr, "LaunchTemplateId"),
			"Version":          ref(ltAddr, "LatestVersionNumber"),
		}
	}
	if ec2.Spot != nil {
		// Auto Scaling launches a replacement when EC2 signals that a
		// Spot instance is at elevated risk of interruption, before the
		// interruption; managed draining moves the tasks off the old one.
		props["CapacityRebalance"] = true
	}
	asg, err := b.add(asgAddr, catalog.AutoScalingGroup, asgName, props)
	if err != nil {
		return "", err
	}
	asg.Refresh = instanceRefresh(ec2)
	// ECS managed scaling requires this tag on the group.
	asg.Tags["AmazonECSManaged"] = ""
	return asgAddr, nil
}

// capacityProvider adds the capacity provider that lets ECS scale the
// Auto Scaling group to the tasks placed on it, and drain and protect
// instances that still run tasks. It returns its address.
func (b *builder) capacityProvider(c *config.Cluster, asgAddr string) (string, error) {
	cpAddr := clusterPart(c.Name, "capacity-provider")
	cpName := b.n.capacityProvider(c.Name)
	_, err := b.add(cpAddr, catalog.CapacityProvider, cpName, m{
		"Name": cpName,
		"AutoScalingGroupProvider": m{
			"AutoScalingGroupArn": ref(asgAddr, "Arn"),
			"ManagedScaling": m{
				"Status":                 "ENABLED",
				"TargetCapacity":         c.Capacity.EC2.TargetUtilization,
				"MinimumScalingStepSize": managedScalingMinStep,
				"MaximumScalingStepSize": managedScalingMaxStep,
				"InstanceWarmupPeriod":   instanceWarmupSeconds,
			},
			"ManagedTerminationProtection": "ENABLED",
			"ManagedDraining":              "ENABLED",
		},
	})
	return cpAddr, err
}

// capacityProviderAssociations attaches the capacity provider to the
// cluster as its one provider and default strategy, the same strategy
// its services carry (serviceStrategy). It names the cluster and the
// provider by name, so it depends on both explicitly.
func (b *builder) capacityProviderAssociations(c *config.Cluster, cAddr, cpAddr string) error {
	_, err := b.add(clusterPart(c.Name, "capacity-provider-associations"), catalog.ClusterCapacityProviderAssoc, "", m{
		"Cluster":                         b.n.cluster(c.Name),
		"CapacityProviders":               l{b.n.capacityProvider(c.Name)},
		"DefaultCapacityProviderStrategy": b.serviceStrategy(c),
	}, cAddr, cpAddr)
	return err
}

// allEgress is the one egress rule of every security group gantry creates:
// all traffic out (tasks pull images and reach AWS APIs through the
// network's NAT or endpoints). It is what EC2 gives a new group, written
// out so the graph holds what AWS holds.
func allEgress() l {
	return l{m{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}
}

// securityGroup adds a security group in the environment's VPC with the
// given ingress rules and all egress.
func (b *builder) securityGroup(addr, name, description string, ingress l) error {
	_, err := b.add(addr, catalog.SecurityGroup, name, m{
		"GroupName":            name,
		"GroupDescription":     description,
		"VpcId":                b.env.Network.VPC,
		"SecurityGroupIngress": ingress,
		"SecurityGroupEgress":  allEgress(),
	})
	return err
}
