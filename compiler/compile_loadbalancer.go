package compiler

import (
	"fmt"
	"strconv"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
)

// defaultSSLPolicy is the HTTPS listener's policy when none is configured
// (the schema fills the same): TLS 1.3 with a TLS 1.2 fallback, forward
// secrecy only.
const defaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// listener is one listener of a load balancer, as services see it.
type listener struct {
	addr     string
	kind     string // "https" or "http": the suffix of rule addresses
	forwards bool   // takes listener rules (false: port 80 redirecting)
}

// listeners returns the listeners of lb, HTTPS first.
func listeners(lb *config.LoadBalancer) []listener {
	var out []listener
	if lb.HTTPS != nil {
		out = append(out, listener{addr: loadBalancerPart(lb.Name, "listener-https"), kind: "https", forwards: true})
	}
	out = append(out, listener{
		addr:     loadBalancerPart(lb.Name, "listener-http"),
		kind:     "http",
		forwards: !(lb.RedirectHTTP && lb.HTTPS != nil),
	})
	return out
}

// notFound is the default action of every listener that forwards: requests
// no service's rule matches get a plain 404.
func notFound() l {
	return l{m{
		"Type": "fixed-response",
		"FixedResponseConfig": m{
			"StatusCode":  "404",
			"ContentType": "text/plain",
			"MessageBody": "Not Found",
		},
	}}
}

// loadBalancers compiles each shared Application Load Balancer: its
// security group, the load balancer and its listeners.
func (b *builder) loadBalancers() error {
	for _, lb := range b.env.LoadBalancers {
		if err := b.loadBalancer(lb); err != nil {
			return fmt.Errorf("load balancer %s: %w", lb.Name, err)
		}
	}
	return nil
}

// loadBalancer: the load balancer's security group, the load balancer in
// the subnets of its scheme, and its listeners.
func (b *builder) loadBalancer(lb *config.LoadBalancer) error {
	sgAddr := loadBalancerPart(lb.Name, "security-group")
	sgName := b.n.securityGroup(lb.Name, "alb")
	if err := b.securityGroup(sgAddr, sgName, "gantry: load balancer "+lb.Name+" (listener ports from ingressCidrs)", loadBalancerIngress(lb)); err != nil {
		return err
	}

	// Internet-facing load balancers live in the public subnets, internal
	// ones beside the services in the private subnets.
	subnets := b.env.Network.PublicSubnets
	if lb.Scheme == "internal" {
		subnets = b.env.Network.PrivateSubnets
	}
	lbAddr := loadBalancerAddr(lb.Name)
	name := b.n.loadBalancer(lb.Name)
	if _, err := b.add(lbAddr, catalog.LoadBalancer, name, m{
		"Name":           name,
		"Type":           "application",
		"Scheme":         lb.Scheme,
		"IpAddressType":  "ipv4",
		"Subnets":        strs(subnets),
		"SecurityGroups": l{ref(sgAddr, "GroupId")},
		"LoadBalancerAttributes": l{
			// Deletion protection stays off: gantry owns the load
			// balancer's lifecycle, and every deletion it makes is in a
			// reviewed plan (docs/compile.md).
			m{"Key": "deletion_protection.enabled", "Value": "false"},
			m{"Key": "idle_timeout.timeout_seconds", "Value": strconv.Itoa(lb.IdleTimeoutSeconds)},
			// Requests with malformed header names are dropped, not passed
			// on to the services (request smuggling hardening).
			m{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
		},
	}); err != nil {
		return err
	}

	for _, ln := range listeners(lb) {
		if _, err := b.add(ln.addr, catalog.Listener, "", listenerProps(lb, ln, lbAddr)); err != nil {
			return err
		}
	}
	return nil
}

// loadBalancerIngress is the ingress of a load balancer's security group:
// its listener ports, from ingressCidrs only. No CIDRs gives an empty list
// (admitting nothing), written as for the instances' group, not left out.
func loadBalancerIngress(lb *config.LoadBalancer) l {
	ports := []int{80}
	if lb.HTTPS != nil {
		ports = append(ports, 443)
	}
	var ingress l
	for _, port := range ports {
		for _, cidr := range lb.IngressCIDRs {
			ingress = append(ingress, m{
				"IpProtocol":  "tcp",
				"FromPort":    port,
				"ToPort":      port,
				"CidrIp":      cidr,
				"Description": fmt.Sprintf("listener port %d", port),
			})
		}
	}
	if ingress == nil {
		ingress = l{}
	}
	return ingress
}

// listenerProps are the properties of one listener of lb: HTTPS with the
// certificate, HTTP redirecting to HTTPS, or plain HTTP. The listeners
// that forward answer 404 to what no service's rule matches.
func listenerProps(lb *config.LoadBalancer, ln listener, lbAddr string) m {
	props := m{"LoadBalancerArn": ref(lbAddr, "LoadBalancerArn")}
	switch {
	case ln.kind == "https":
		policy := lb.HTTPS.SSLPolicy
		if policy == "" {
			policy = defaultSSLPolicy
		}
		props["Port"] = 443
		props["Protocol"] = "HTTPS"
		props["Certificates"] = l{m{"CertificateArn": lb.HTTPS.Certificate}}
		props["SslPolicy"] = policy
		props["DefaultActions"] = notFound()
	case !ln.forwards:
		props["Port"] = 80
		props["Protocol"] = "HTTP"
		props["DefaultActions"] = l{m{
			"Type": "redirect",
			"RedirectConfig": m{
				"Protocol":   "HTTPS",
				"Port":       "443",
				"Host":       "#{host}",
				"Path":       "/#{path}",
				"Query":      "#{query}",
				"StatusCode": "HTTP_301",
			},
		}}
	default:
		props["Port"] = 80
		props["Protocol"] = "HTTP"
		props["DefaultActions"] = notFound()
	}
	return props
}
