package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/gantry-gitops/gantry/provider"
)

// Options configure New. Endpoints are not an option: the SDK reads
// AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_<SERVICE>
// variables itself.
type Options struct {
	// Region overrides the scope's region (normally left empty).
	Region string
	// RoleARN, when set, is assumed (with ExternalID, when set) for every
	// call, the account guard's included.
	RoleARN    string
	ExternalID string
	// SessionName names the assumed-role session (default "gantry").
	SessionName string
	// Account is the account the credentials must be in; the scope's
	// account when empty.
	Account string
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
	// HTTPClient replaces the SDK's HTTP client (tests).
	HTTPClient aws.HTTPClient
	// APIOptions are added to every client's middleware stack (tests
	// count calls with it).
	APIOptions []func(*middleware.Stack) error
	// ReadAttempts is how many times the SDK tries a read call (default 3);
	// writes are always tried once (see the package comment).
	ReadAttempts int
}

// Provider implements provider.Provider against one AWS account and region.
type Provider struct {
	scope   provider.Scope
	log     *slog.Logger
	account string
	// r makes reads, w makes writes: the same clients with different
	// retryers (see the package comment).
	r, w *clients
}

// clients holds one SDK client per service gantry uses.
type clients struct {
	ecs  *ecs.Client
	elb  *elb.Client
	ec2  *ec2.Client
	iam  *iam.Client
	aas  *applicationautoscaling.Client
	asg  *autoscaling.Client
	cw   *cloudwatch.Client
	logs *cloudwatchlogs.Client
	ecr  *ecr.Client
	ssm  *ssm.Client
	tag  *tagging.Client
	sts  *sts.Client
}

func newClients(cfg aws.Config) *clients {
	return &clients{
		ecs:  ecs.NewFromConfig(cfg),
		elb:  elb.NewFromConfig(cfg),
		ec2:  ec2.NewFromConfig(cfg),
		iam:  iam.NewFromConfig(cfg),
		aas:  applicationautoscaling.NewFromConfig(cfg),
		asg:  autoscaling.NewFromConfig(cfg),
		cw:   cloudwatch.NewFromConfig(cfg),
		logs: cloudwatchlogs.NewFromConfig(cfg),
		ecr:  ecr.NewFromConfig(cfg),
		ssm:  ssm.NewFromConfig(cfg),
		tag:  tagging.NewFromConfig(cfg),
		sts:  sts.NewFromConfig(cfg),
	}
}

// Name is "aws".
func (p *Provider) Name() string { return "aws" }

// New loads the SDK's configuration for scope's region, assumes
// opts.RoleARN when set, and checks that the credentials are in the
// expected account before returning. No other call is made before that
// check.
func New(ctx context.Context, scope provider.Scope, opts Options) (*Provider, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	region := opts.Region
	if region == "" {
		region = scope.Region
	}
	want := opts.Account
	if want == "" {
		want = scope.Account
	}
	if want == "" {
		return nil, errors.New("aws: the environment names no account; refusing to guess which account to work on")
	}
	load := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if opts.HTTPClient != nil {
		load = append(load, config.WithHTTPClient(opts.HTTPClient))
	}
	load = append(load, config.WithAPIOptions(append([]func(*middleware.Stack) error{logCalls(log)}, opts.APIOptions...)))
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("aws: loading the AWS configuration: %w", err)
	}
	source, err := credentialSource(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("aws: no AWS credentials for environment %s of %s (account %s): the SDK's chain "+
			"(environment variables, shared config and AWS_PROFILE, SSO, web identity, container and instance roles) found none "+
			"(%v); configure credentials, or work against a local sandbox with --sandbox DIR",
			scope.Environment, scope.Project, want, err)
	}
	if opts.RoleARN != "" {
		assumeRole(&cfg, opts)
		source = fmt.Sprintf("role %s assumed with %s", opts.RoleARN, source)
	}
	p := &Provider{scope: scope, log: log, account: want,
		r: newClients(withRetries(cfg, defaultReadAttempts(opts))),
		w: newClients(withRetries(cfg, 1)),
	}
	if err := p.guard(ctx, want, source); err != nil {
		return nil, err
	}
	return p, nil
}

// assumeRole makes cfg's credentials those of opts.RoleARN, assumed with
// the credentials cfg has (and refreshed before they expire).
func assumeRole(cfg *aws.Config, opts Options) {
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(*cfg), opts.RoleARN,
		func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = opts.SessionName
			if o.RoleSessionName == "" {
				o.RoleSessionName = "gantry"
			}
			if opts.ExternalID != "" {
				o.ExternalID = aws.String(opts.ExternalID)
			}
		}))
}

func defaultReadAttempts(o Options) int {
	if o.ReadAttempts > 0 {
		return o.ReadAttempts
	}
	return 3
}

// withRetries returns cfg with the SDK's standard retryer limited to n
// attempts and without its client-side retry quota: gantry's own retry
// layers decide when to give up, not a token bucket shared by all calls.
func withRetries(cfg aws.Config, n int) aws.Config {
	cfg = cfg.Copy()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = n
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}

// credentialSource says where the SDK found credentials, for the account
// guard's message: the provider (environment, shared file, SSO, web
// identity, ...) and the profile. No credentials at all is an error: no
// call could be made, the account guard's included.
func credentialSource(ctx context.Context, cfg aws.Config) (string, error) {
	if cfg.Credentials == nil {
		return "", errors.New("no credential provider")
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", rootCause(err)
	}
	src := "credentials from " + c.Source
	if prof := os.Getenv("AWS_PROFILE"); prof != "" {
		src += ", profile " + prof
	}
	return src, nil
}

// rootCause is the innermost error of a chain: the SDK wraps a credential
// failure in several layers that each repeat it.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// guard is the account guard: STS GetCallerIdentity must name account.
func (p *Provider) guard(ctx context.Context, account, source string) error {
	out, err := p.r.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("aws: checking which account the credentials are for (%s): %w", source, opError(err, "", ""))
	}
	got := aws.ToString(out.Account)
	if got != account {
		return fmt.Errorf("aws: the credentials are for account %s (%s, identity %s), but environment %s of %s is in account %s: refusing to read or write anything",
			got, source, aws.ToString(out.Arn), p.scope.Environment, p.scope.Project, account)
	}
	p.log.Debug("aws: account guard passed", "account", got, "identity", aws.ToString(out.Arn), "source", source)
	return nil
}

// tagKeyIsOurs reports whether a tag key is gantry's bookkeeping (never
// shown, never removed by a tag sync).
func tagKeyIsOurs(k string) bool { return strings.HasPrefix(k, childTagPrefix) }
