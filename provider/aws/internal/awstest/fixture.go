package awstest

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// A resource graph shaped like the compiler's output, with every type, in
// the shape of provider/sandbox's fixture (kept apart: the two packages
// test different providers).

type (
	m = map[string]any
	l = []any
)

func ref(addr, attr string) graph.Ref { return graph.Ref{Address: addr, Attribute: attr} }

// networks numbers the VPCs a test binary makes, for distinct CIDRs.
var networks atomic.Int32

// HTTPClient is the SDK's HTTP client without keep-alive: the emulator's
// front sometimes closes a kept-alive connection as the client reuses it
// ("use of closed network connection"), which a test should not mistake
// for the provider's failure. (The provider marks such errors retryable,
// as it must for real networks.)
func HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
}

// Network is the VPC and subnets an environment names (taken as existing).
type Network struct {
	vpc             string
	private, public l
}

// MakeNetwork creates a VPC with two private and two public subnets in the
// emulator (in AWS they exist before gantry runs).
func MakeNetwork(t testing.TB) Network {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(Region), config.WithHTTPClient(HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	client := ec2.NewFromConfig(cfg)
	octet := networks.Add(1) % 250
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", octet))})
	if err != nil {
		t.Fatal(err)
	}
	n := Network{vpc: aws.ToString(vpc.Vpc.VpcId)}
	for i, az := range []string{"a", "b", "a", "b"} {
		s, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId,
			CidrBlock: aws.String(fmt.Sprintf("10.%d.%d.0/24", octet, i)), AvailabilityZone: aws.String(Region + az)})
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			n.private = append(n.private, aws.ToString(s.Subnet.SubnetId))
		} else {
			n.public = append(n.public, aws.ToString(s.Subnet.SubnetId))
		}
	}
	return n
}

type builder struct{ g *graph.Graph }

func (b *builder) add(addr, typ string, props m, deps ...string) {
	r := &graph.Resource{Address: addr, Type: typ, Properties: props, DependsOn: deps}
	if typ != catalog.ScalingPolicy && typ != catalog.ClusterCapacityProviderAssoc {
		r.Tags = map[string]string{
			graph.TagProject: b.g.Project, graph.TagEnvironment: b.g.Environment, graph.TagAddress: addr,
			"team": "shop",
		}
	}
	b.g.Resources = append(b.g.Resources, r)
}

func trust(service string) m {
	return m{"Version": "2012-10-17", "Statement": l{m{"Effect": "Allow", "Principal": m{"Service": service}, "Action": "sts:AssumeRole"}}}
}

// Graph: a Fargate cluster and an EC2 cluster with its capacity, a
// load balancer with two HTTP listeners, a repository, and n services
// behind the load balancer with roles, a security group, a log group, a
// task definition, a target group, a rule, scaling and an alarm.
func Graph(scope provider.Scope, net Network, n int, image string) *graph.Graph {
	b := &builder{g: &graph.Graph{Project: scope.Project, Environment: scope.Environment, Account: scope.Account, Region: scope.Region}}
	pre := scope.Project + "-" + scope.Environment
	b.add("repository/api", catalog.ECRRepository, m{
		"RepositoryName":             pre + "-api",
		"ImageScanningConfiguration": m{"ScanOnPush": true},
		"ImageTagMutability":         "IMMUTABLE",
		"LifecyclePolicy":            m{"LifecyclePolicyText": `{"rules":[{"rulePriority":1,"description":"keep 50","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":50},"action":{"type":"expire"}}]}`},
	})
	b.add("cluster/main", catalog.Cluster, m{
		"ClusterName":       pre + "-main",
		"ClusterSettings":   l{m{"Name": "containerInsights", "Value": "enabled"}},
		"CapacityProviders": l{"FARGATE", "FARGATE_SPOT"},
		"DefaultCapacityProviderStrategy": l{
			m{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
			m{"CapacityProvider": "FARGATE_SPOT", "Base": 0, "Weight": 3},
		},
	})
	b.add("cluster/batch", catalog.Cluster, m{"ClusterName": pre + "-batch"})
	b.add("cluster/batch/instance-role", catalog.IAMRole, m{
		"RoleName":                 pre + "-batch-instance",
		"AssumeRolePolicyDocument": trust("ec2.amazonaws.com"),
		"ManagedPolicyArns":        l{"arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"},
	})
	b.add("cluster/batch/instance-profile", catalog.IAMInstanceProfile, m{
		"InstanceProfileName": pre + "-batch",
		"Roles":               l{pre + "-batch-instance"},
	}, "cluster/batch/instance-role")
	b.add("cluster/batch/security-group", catalog.SecurityGroup, m{
		"GroupName": pre + "-batch-instances", "GroupDescription": "instances", "VpcId": net.vpc,
		"SecurityGroupIngress": l{},
	})
	b.add("cluster/batch/launch-template", catalog.LaunchTemplate, m{
		"LaunchTemplateName": pre + "-batch",
		"LaunchTemplateData": m{
			"ImageId":            "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
			"InstanceType":       "c7g.large",
			"IamInstanceProfile": m{"Arn": ref("cluster/batch/instance-profile", "Arn")},
			"SecurityGroupIds":   l{ref("cluster/batch/security-group", "GroupId")},
			"MetadataOptions":    m{"HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1},
			"UserData":           "#!/bin/bash\necho ECS_CLUSTER=" + pre + "-batch >> /etc/ecs/ecs.config\n",
		},
	})
	b.add("cluster/batch/auto-scaling-group", catalog.AutoScalingGroup, m{
		"AutoScalingGroupName": pre + "-batch",
		"MinSize":              "0",
		"MaxSize":              "6",
		"LaunchTemplate": m{
			"LaunchTemplateId": ref("cluster/batch/launch-template", "LaunchTemplateId"),
			"Version":          ref("cluster/batch/launch-template", "LatestVersionNumber"),
		},
		"VPCZoneIdentifier":                net.private,
		"NewInstancesProtectedFromScaleIn": true,
	})
	b.add("cluster/batch/capacity-provider", catalog.CapacityProvider, m{
		"Name": pre + "-batch",
		"AutoScalingGroupProvider": m{
			"AutoScalingGroupArn":          ref("cluster/batch/auto-scaling-group", "Arn"),
			"ManagedScaling":               m{"Status": "ENABLED", "TargetCapacity": 90},
			"ManagedTerminationProtection": "ENABLED",
		},
	})
	b.add("cluster/batch/capacity-provider-associations", catalog.ClusterCapacityProviderAssoc, m{
		"Cluster":                         pre + "-batch",
		"CapacityProviders":               l{pre + "-batch"},
		"DefaultCapacityProviderStrategy": l{m{"CapacityProvider": pre + "-batch", "Weight": 1}},
	}, "cluster/batch", "cluster/batch/capacity-provider")
	b.add("load-balancer/public/security-group", catalog.SecurityGroup, m{
		"GroupName": pre + "-public-alb", "GroupDescription": "alb", "VpcId": net.vpc,
		"SecurityGroupIngress": l{
			m{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"},
			m{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "CidrIp": "0.0.0.0/0", "Description": "alt"},
		},
		"SecurityGroupEgress": l{m{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}},
	})
	b.add("load-balancer/public", catalog.LoadBalancer, m{
		"Name": pre + "-public", "Type": "application", "Scheme": "internet-facing",
		"Subnets":        net.public,
		"SecurityGroups": l{ref("load-balancer/public/security-group", "GroupId")},
		"LoadBalancerAttributes": l{
			m{"Key": "idle_timeout.timeout_seconds", "Value": "60"},
			m{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
		},
	})
	b.add("load-balancer/public/listener-http", catalog.Listener, m{
		"LoadBalancerArn": ref("load-balancer/public", "LoadBalancerArn"),
		"Port":            80, "Protocol": "HTTP",
		"DefaultActions": l{m{"Type": "redirect", "RedirectConfig": m{"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}},
	})
	// HTTP rather than HTTPS: the emulator has no ACM certificates to name.
	b.add("load-balancer/public/listener-app", catalog.Listener, m{
		"LoadBalancerArn": ref("load-balancer/public", "LoadBalancerArn"),
		"Port":            8080, "Protocol": "HTTP",
		"DefaultActions": l{m{"Type": "fixed-response", "FixedResponseConfig": m{"StatusCode": "404", "ContentType": "text/plain"}}},
	})
	for i := 0; i < n; i++ {
		b.service(scope, net, pre, fmt.Sprintf("svc%d", i), i, image)
	}
	b.g.Sort()
	return b.g
}

func (b *builder) service(scope provider.Scope, net Network, pre, name string, i int, image string) {
	a := "service/" + name
	b.add(a+"/log-group", catalog.LogGroup, m{"LogGroupName": "/ecs/" + pre + "-" + name, "RetentionInDays": 30})
	b.add(a+"/execution-role", catalog.IAMRole, m{
		"RoleName":                 pre + "-" + name + "-exec",
		"AssumeRolePolicyDocument": trust("ecs-tasks.amazonaws.com"),
		"ManagedPolicyArns":        l{"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"},
		"Policies": l{m{"PolicyName": "execution", "PolicyDocument": m{"Version": "2012-10-17", "Statement": l{
			m{"Effect": "Allow", "Action": l{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": l{"*"}},
		}}}},
	})
	b.add(a+"/task-role", catalog.IAMRole, m{"RoleName": pre + "-" + name + "-task", "AssumeRolePolicyDocument": trust("ecs-tasks.amazonaws.com")})
	b.add(a+"/security-group", catalog.SecurityGroup, m{
		"GroupName": pre + "-" + name + "-tasks", "GroupDescription": "tasks of " + name, "VpcId": net.vpc,
		"SecurityGroupIngress": l{m{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
			"SourceSecurityGroupId": ref("load-balancer/public/security-group", "GroupId")}},
		"SecurityGroupEgress": l{m{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}},
	})
	b.add(a+"/task-definition", catalog.TaskDefinition, m{
		"Family": pre + "-" + name, "Cpu": "256", "Memory": "512", "NetworkMode": "awsvpc",
		"RequiresCompatibilities": l{"FARGATE"},
		"RuntimePlatform":         m{"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
		"ExecutionRoleArn":        ref(a+"/execution-role", "Arn"),
		"TaskRoleArn":             ref(a+"/task-role", "Arn"),
		"ContainerDefinitions": l{m{
			"Name": name, "Image": image, "Essential": true,
			"PortMappings": l{m{"ContainerPort": 8080}},
			"Environment": l{
				m{"Name": "A_FIRST", "Value": "1"}, m{"Name": "B_SECOND", "Value": "2"},
			},
			"Secrets": l{m{"Name": "DB", "ValueFrom": "arn:aws:ssm:eu-west-1:111111111111:parameter/shop/db"}},
			"LogConfiguration": m{"LogDriver": "awslogs", "Options": m{
				"awslogs-group": "/ecs/" + pre + "-" + name, "awslogs-region": scope.Region, "awslogs-stream-prefix": "ecs"}},
			"HealthCheck": m{"Command": l{"CMD-SHELL", "true"}},
		}},
	}, a+"/log-group")
	b.add(a+"/target-group", catalog.TargetGroup, m{
		"Name": fmt.Sprintf("%s-%s", pre, name), "Port": 8080, "Protocol": "HTTP", "TargetType": "ip", "VpcId": net.vpc,
		"HealthCheckPath": "/healthz", "HealthyThresholdCount": 2,
		"TargetGroupAttributes": l{m{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}},
	})
	b.add(a+"/rule", catalog.ListenerRule, m{
		"ListenerArn": ref("load-balancer/public/listener-app", "ListenerArn"),
		"Priority":    i + 1,
		"Conditions": l{
			m{"Field": "host-header", "HostHeaderConfig": m{"Values": l{"shop.example.com"}}},
			m{"Field": "path-pattern", "PathPatternConfig": m{"Values": l{"/" + name + "/*", "/" + name}}},
		},
		"Actions": l{m{"Type": "forward", "TargetGroupArn": ref(a+"/target-group", "TargetGroupArn")}},
	})
	b.add(a, catalog.Service, m{
		"ServiceName":    pre + "-" + name,
		"Cluster":        ref("cluster/main", "Arn"),
		"TaskDefinition": ref(a+"/task-definition", "TaskDefinitionArn"),
		"DesiredCount":   1,
		"CapacityProviderStrategy": l{
			m{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
			m{"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
		},
		"DeploymentConfiguration": m{
			"MinimumHealthyPercent": 100, "MaximumPercent": 200,
			"DeploymentCircuitBreaker": m{"Enable": true, "Rollback": true},
		},
		"NetworkConfiguration": m{"AwsvpcConfiguration": m{
			"AssignPublicIp": "DISABLED",
			"SecurityGroups": l{ref(a+"/security-group", "GroupId")},
			"Subnets":        net.private,
		}},
		"LoadBalancers":                 l{m{"ContainerName": name, "ContainerPort": 8080, "TargetGroupArn": ref(a+"/target-group", "TargetGroupArn")}},
		"HealthCheckGracePeriodSeconds": 60,
		"PropagateTags":                 "SERVICE",
		"EnableECSManagedTags":          true,
	}, a+"/rule")
	resourceID := "service/" + pre + "-main/" + pre + "-" + name
	b.add(a+"/scalable-target", catalog.ScalableTarget, m{
		"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
		"ResourceId": resourceID, "MinCapacity": 1, "MaxCapacity": 6,
	}, a)
	b.add(a+"/scaling/cpu", catalog.ScalingPolicy, m{
		"PolicyName": pre + "-" + name + "-cpu", "PolicyType": "TargetTrackingScaling",
		"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount", "ResourceId": resourceID,
		"TargetTrackingScalingPolicyConfiguration": m{
			"TargetValue":                   60,
			"PredefinedMetricSpecification": m{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
		},
	}, a+"/scalable-target")
	b.add(a+"/scaling/requests", catalog.ScalingPolicy, m{
		"PolicyName": pre + "-" + name + "-requests", "PolicyType": "TargetTrackingScaling",
		"ScalingTargetId": resourceID + "|ecs:service:DesiredCount|ecs",
		"TargetTrackingScalingPolicyConfiguration": m{
			"TargetValue": 800,
			"PredefinedMetricSpecification": m{"PredefinedMetricType": "ALBRequestCountPerTarget",
				"ResourceLabel": graph.Join{Parts: []any{ref("load-balancer/public", "LoadBalancerFullName"), "/", ref(a+"/target-group", "TargetGroupFullName")}}},
		},
	}, a+"/scalable-target", a+"/rule")
	b.add(a+"/alarm/errors", catalog.Alarm, m{
		"AlarmName": pre + "-" + name + "-errors", "MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB",
		"Statistic": "Sum", "Period": 60, "EvaluationPeriods": 3, "Threshold": 25, "ComparisonOperator": "GreaterThanThreshold",
		"TreatMissingData": "notBreaching",
		"Dimensions": l{
			m{"Name": "LoadBalancer", "Value": ref("load-balancer/public", "LoadBalancerFullName")},
			m{"Name": "TargetGroup", "Value": ref(a+"/target-group", "TargetGroupFullName")},
		},
	})
}

// Applied is a graph created through a provider.
type Applied struct {
	G    *graph.Graph
	Live map[string]*provider.Observed
}

func (a *Applied) resolve(r graph.Ref) (string, bool) {
	o := a.Live[r.Address]
	if o == nil {
		return "", false
	}
	v, ok := o.Attributes[r.Attribute]
	return v, ok
}

// Request returns the resource at addr as a Request, references resolved.
func (a *Applied) Request(t testing.TB, addr string) provider.Request {
	t.Helper()
	r := a.G.Get(addr)
	props, ok := graph.Resolve(r.Properties, a.resolve)
	if !ok {
		t.Fatalf("%s: unresolved references", addr)
	}
	return provider.Request{Address: addr, Type: r.Type, Properties: graph.Unwrap(props).(map[string]any), Tags: r.Tags}
}

// VPC, Public and Private name the network's VPC and subnets.
func (n Network) VPC() string          { return n.vpc }
func (n Network) Public(i int) string  { s, _ := n.public[i%len(n.public)].(string); return s }
func (n Network) Private(i int) string { s, _ := n.private[i%len(n.private)].(string); return s }
