package compiler

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/gantry-gitops/gantry/config"
)

// knownSSLPolicies are the ALB security policies gantry knows; another
// name that starts with ELBSecurityPolicy- is only a warning, since AWS
// adds policies over time.
var knownSSLPolicies = []string{
	"ELBSecurityPolicy-2015-05",
	"ELBSecurityPolicy-2016-08",
	"ELBSecurityPolicy-TLS-1-0-2015-04",
	"ELBSecurityPolicy-TLS-1-1-2017-01",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
	"ELBSecurityPolicy-FS-2018-06",
	"ELBSecurityPolicy-FS-1-1-2019-08",
	"ELBSecurityPolicy-FS-1-2-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10",
	"ELBSecurityPolicy-TLS13-1-0-2021-06",
	"ELBSecurityPolicy-TLS13-1-1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
}

// checkLoadBalancer checks a load balancer: redirectHTTP needs https, who
// may reach it, and its certificate's region and account.
func (c *checker) checkLoadBalancer(e *config.Environment, lb *config.LoadBalancer) {
	path := func(rest ...string) []string { return append([]string{"loadBalancers", lb.Name}, rest...) }
	if lb.RedirectHTTP && lb.HTTPS == nil {
		c.errorf(e.Name, path("redirectHTTP"), "redirectHTTP needs https: port 80 would redirect to a 443 listener that does not exist")
	}
	lbNode := c.eff[e.Name].path("loadBalancers", lb.Name)
	if !c.inputsOK(e.Name, path("scheme")) {
		return
	}
	if lb.Scheme == "internal" && !lbNode.has("ingressCidrs") {
		c.errorf(e.Name, path(), "an internal load balancer needs ingressCidrs: list the networks that may reach it (there is no safe default)")
	} else if len(lb.IngressCIDRs) == 0 {
		c.errorf(e.Name, path("ingressCidrs"), "ingressCidrs is empty: nothing could reach the load balancer")
	}
	seenCIDR := map[netip.Prefix]bool{}
	for i, cidr := range lb.IngressCIDRs {
		p, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !p.Addr().Is4():
			c.errorf(e.Name, path("ingressCidrs", fmt.Sprint(i)), fmt.Sprintf("%q is not an IPv4 CIDR block such as 10.0.0.0/16", cidr))
		case seenCIDR[p]:
			c.errorf(e.Name, path("ingressCidrs", fmt.Sprint(i)), fmt.Sprintf("%s is listed twice; AWS rejects a duplicate security group rule", cidr))
		case p.Masked() != p:
			c.errorf(e.Name, path("ingressCidrs", fmt.Sprint(i)),
				fmt.Sprintf("%q has host bits set; security groups take the network address: %s", cidr, p.Masked()))
		}
		if err == nil {
			seenCIDR[p] = true
		}
	}
	envOK := c.inputsOK(e.Name, []string{"environments", e.Name, "region"}, []string{"environments", e.Name, "account"})
	if lb.HTTPS != nil {
		if region, account, ok := arnRegionAccount(lb.HTTPS.Certificate); ok && envOK {
			if region != e.Region {
				c.errorf(e.Name, path("https", "certificate"),
					fmt.Sprintf("the certificate is in region %s but the environment is in %s; a load balancer uses ACM certificates of its own region", region, e.Region))
			}
			if account != e.Account {
				c.errorf(e.Name, path("https", "certificate"),
					fmt.Sprintf("the certificate belongs to account %s, not the environment's account %s", account, e.Account))
			}
		}
		if lb.HTTPS.SSLPolicy != "" && !slices.Contains(knownSSLPolicies, lb.HTTPS.SSLPolicy) {
			c.warnf(e.Name, path("https", "sslPolicy"),
				fmt.Sprintf("%q is not a security policy gantry knows; AWS rejects unknown names when the listener is created", lb.HTTPS.SSLPolicy))
		}
	}
	routed := 0
	for _, s := range e.Services {
		if s.Route != nil && s.Route.LoadBalancer == lb.Name {
			routed++
		}
	}
	if routed == 0 {
		c.warnf(e.Name, path(), "no service routes to this load balancer: it only answers 404")
	}
	// ALB: at most 100 rules per load balancer, not counting the default
	// rules (Elastic Load Balancing quotas, "Rules per Application Load
	// Balancer"). gantry writes one rule per routed service on each
	// listener that forwards (443 with https; 80 unless it redirects). The
	// other two limits on target groups hold whenever this one does:
	// "Target groups per Application Load Balancer" (100) — gantry creates
	// one per routed service, and routed <= rules; "Target groups per
	// action" (5) — each rule forwards to exactly one.
	listeners := 0
	if lb.HTTPS != nil {
		listeners++
	}
	if !lb.RedirectHTTP {
		listeners++
	}
	if rules := routed * listeners; rules > 100 {
		c.errorf(e.Name, path(), fmt.Sprintf("%d services route here, which needs %d listener rules; an Application Load Balancer allows 100 (split the services over more load balancers%s)",
			routed, rules, map[bool]string{true: ", or set redirectHTTP", false: ""}[lb.HTTPS != nil && !lb.RedirectHTTP]))
	}
}
