package aws

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider"
)

func TestLockHeldNamesHolder(t *testing.T) {
	holder := `{"id":"L1","host":"ci-7","user":"deploy","pid":42,"operation":"apply","since":"2026-01-02T03:04:05Z"}`
	p, f := newFake(t, func(op string, _ url.Values, body string, _ int) (int, string) {
		switch op {
		case "PutParameter":
			if !strings.Contains(body, `"Overwrite":false`) || !strings.Contains(body, `"/gantry/shop/staging/lock"`) {
				t.Errorf("PutParameter body %s: want a conditional create of the lock parameter", body)
			}
			return 400, `{"__type":"ParameterAlreadyExists","message":"The parameter already exists. To overwrite this value, set the overwrite option in the request to true."}`
		case "GetParameter":
			return 200, `{"Parameter":{"Name":"/gantry/shop/staging/lock","Type":"String","Value":` + quote(holder) + `,"Version":1}}`
		}
		return 500, ""
	})
	_, err := p.Lock(context.Background(), unitScope, provider.LockInfo{ID: "L2", Since: time.Now()})
	var le *provider.LockedError
	if !errors.As(err, &le) || le.Holder.ID != "L1" || le.Holder.Host != "ci-7" {
		t.Fatalf("Lock: %v, want LockedError naming L1", err)
	}
	if f.count["DeleteParameter"] != 0 {
		t.Error("a refused lock deleted the holder's parameter")
	}
}

func TestUnlockOnlyMatchingID(t *testing.T) {
	holder := `{"id":"L1","host":"ci-7","user":"deploy","pid":42,"operation":"apply","since":"2026-01-02T03:04:05Z"}`
	p, f := newFake(t, func(op string, _ url.Values, _ string, _ int) (int, string) {
		switch op {
		case "GetParameter":
			return 200, `{"Parameter":{"Name":"/gantry/shop/staging/lock","Type":"String","Value":` + quote(holder) + `,"Version":1}}`
		case "DeleteParameter":
			return 200, `{}`
		}
		return 500, ""
	})
	if err := p.Unlock(context.Background(), unitScope, "L9"); err == nil {
		t.Fatal("Unlock with another id succeeded")
	}
	if f.count["DeleteParameter"] != 0 {
		t.Fatal("Unlock with another id deleted the lock")
	}
	if err := p.Unlock(context.Background(), unitScope, "L1"); err != nil {
		t.Fatal(err)
	}
	if f.count["DeleteParameter"] != 1 {
		t.Fatal("Unlock with the holder's id did not delete the lock")
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
