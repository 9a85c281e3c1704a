package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/gantry-gitops/gantry/provider"
)

// The public parameters AWS publishes the recommended ECS-optimised
// Amazon Linux 2023 AMI under, by architecture (Amazon ECS Developer
// Guide: Retrieving Amazon ECS-optimized Linux AMI metadata).
var amiParameters = map[string]string{
	"x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
	"arm64":  "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
}

// seededAMIs are the values a new sandbox's parameters hold: fixed ids in
// AWS's format (ami- and 17 hex digits), the same in every region.
var seededAMIs = map[string]string{
	amiParameters["x86_64"]: "ami-0c5ee33c81cf67a17",
	amiParameters["arm64"]:  "ami-0a9d0bd3f4a1e6b52",
}

// amiID is the format of an AMI id (EC2 API Reference: ImageId).
var amiID = regexp.MustCompile(`^ami-[0-9a-f]{8}([0-9a-f]{9})?$`)

// getParametersMax is how many names one GetParameters call takes
// (Systems Manager API Reference: GetParameters, Names: 1 to 10 items).
const getParametersMax = 10

// AMIArchitectures lists the architectures PublishAMI knows, sorted.
func AMIArchitectures() []string {
	out := make([]string, 0, len(amiParameters))
	for a := range amiParameters {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// paramKey is where a region's published value of a parameter is kept
// (region "" for a value published in every region): public parameters
// belong to the region, not to an account.
func paramKey(region, name string) []byte { return key("ssm", region, name) }

// published returns the value last published for a parameter in
// region (there, else in every region), if any. A read-only handle on a
// directory without a database yet has no buckets: a new account.
func published(tx *bolt.Tx, region, name string) (string, bool) {
	b := tx.Bucket(bMeta)
	if b == nil {
		return "", false
	}
	for _, rg := range []string{region, ""} {
		var s string
		if v := b.Get(paramKey(rg, name)); v != nil && json.Unmarshal(v, &s) == nil {
			return s, true
		}
	}
	return "", false
}

// parameter returns a parameter's current value in region: the last one
// published, else the seeded one; ok is false for a name AWS does not
// publish.
func parameter(tx *bolt.Tx, region, name string) (value string, ok bool) {
	if v, ok := published(tx, region, name); ok {
		return v, true
	}
	v, ok := seededAMIs[name]
	return v, ok
}

// Resolve reads the named SSM parameters as GetParameters does, ten names
// a call. A name AWS does not publish fails as a NotFound error naming it
// (GetParameters lists it among InvalidParameters).
func (s *Sandbox) Resolve(ctx context.Context, scope provider.Scope, names []string) (map[string]string, error) {
	for i := 0; i < len(names); i += getParametersMax {
		if err := s.readCall(ctx, "ssm:GetParameters", "", ""); err != nil {
			return nil, err
		}
	}
	_, region := scopeAccount(scope)
	out := make(map[string]string, len(names))
	err := s.st.view(func(tx *bolt.Tx) error {
		for _, n := range names {
			if v, ok := published(tx, region, n); ok {
				out[n] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var invalid []string
	for _, n := range names {
		if _, ok := out[n]; ok {
			continue
		}
		if v, ok := seededAMIs[n]; ok {
			out[n] = v
		} else {
			invalid = append(invalid, n)
		}
	}
	if len(invalid) > 0 {
		return nil, &provider.OpError{Operation: "ssm:GetParameters", Code: "ParameterNotFound", NotFound: true,
			Message: "invalid parameters: " + strings.Join(invalid, ", ")}
	}
	return out, nil
}

// PublishAMI publishes a new recommended ECS-optimised AMI for arch, as
// AWS does every few weeks: the architecture's public parameter names id
// from now on, in region, or in every region when region is "" (a value
// published in one region before is replaced there too). An empty id is
// derived from the current one, so the same sandbox publishes the same
// sequence. It returns the parameter's name and its values before and
// after (before: in region, or as seeded for every region).
func (s *Sandbox) PublishAMI(region, arch, id string) (name, before, after string, err error) {
	name, ok := amiParameters[arch]
	if !ok {
		return "", "", "", fmt.Errorf("no ECS-optimised AMI for architecture %q (have %s)", arch, strings.Join(AMIArchitectures(), ", "))
	}
	if id != "" && !amiID.MatchString(id) {
		return "", "", "", fmt.Errorf("%q is not an AMI id (ami- and 8 or 17 lower-case hex digits)", id)
	}
	err = s.st.update(func(tx *bolt.Tx) error {
		before, _ = parameter(tx, region, name)
		after = id
		if after == "" {
			after = nextAMI(before)
		}
		if after == before {
			return fmt.Errorf("%s already names %s", name, after)
		}
		v, err := json.Marshal(after)
		if err != nil {
			return err
		}
		meta := tx.Bucket(bMeta)
		if region == "" {
			if err := dropRegional(meta, name); err != nil {
				return err
			}
		}
		// The image stays launchable after a newer one is published.
		if err := meta.Put(key("ami", region, after), []byte{}); err != nil {
			return err
		}
		return meta.Put(paramKey(region, name), v)
	})
	return name, before, after, err
}

// dropRegional deletes the values of a parameter published in single
// regions, which a value published in every region replaces.
func dropRegional(meta *bolt.Bucket, name string) error {
	var keys [][]byte
	err := scanPrefix(meta, prefix("ssm"), func(k, _ []byte) error {
		if parts := splitKey(k); len(parts) == 3 && parts[1] != "" && parts[2] == name {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := meta.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// nextAMI derives the id of the AMI published after current.
func nextAMI(current string) string {
	h := sha256.Sum256([]byte("ecs-optimised-ami\x00" + current))
	return "ami-0" + hex.EncodeToString(h[:])[:16]
}
