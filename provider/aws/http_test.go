package aws

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/gantry-gitops/gantry/provider"
)

// These tests answer the SDK at its HTTP layer with responses shaped like
// the AWS API reference's examples: what the emulator cannot show
// (throttling, request ids in errors, many pages, DependencyViolation).

var unitScope = provider.Scope{Project: "shop", Environment: "staging", Account: "111111111111", Region: "eu-west-1"}

// fakeAWS answers by operation: the Query protocol's Action parameter or
// the JSON protocol's X-Amz-Target header ("AmazonSSM.PutParameter").
type fakeAWS struct {
	t     *testing.T
	mu    sync.Mutex
	calls []string
	// answer returns status and body for an operation and its request
	// (form values for Query, the JSON body for JSON).
	answer func(op string, form url.Values, body string, n int) (int, string)
	count  map[string]int
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	op := r.Header.Get("X-Amz-Target")
	var form url.Values
	cborRPC := r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor"
	if cborRPC {
		// Smithy RPC v2 CBOR (the Tagging API, CloudWatch): the operation
		// is the path's last element; the body is given to answer as JSON.
		op = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if v, err := cbor.Decode(b); err == nil {
			j, _ := json.Marshal(fromCBOR(v))
			b = j
		}
	} else if op == "" {
		form, _ = url.ParseQuery(string(b))
		op = form.Get("Action")
	} else {
		op = op[strings.LastIndex(op, ".")+1:]
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	}
	f.mu.Lock()
	f.calls = append(f.calls, op)
	if f.count == nil {
		f.count = map[string]int{}
	}
	f.count[op]++
	n := f.count[op]
	f.mu.Unlock()
	status, body := f.answer(op, form, string(b), n)
	if strings.HasPrefix(body, "<") {
		w.Header().Set("Content-Type", "text/xml")
	}
	if !strings.Contains(body, "<RequestID>") {
		w.Header().Set("x-amzn-RequestId", "req-"+op)
	}
	if cborRPC {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			f.t.Errorf("fake answer for %s is not JSON: %v", op, err)
		}
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		w.WriteHeader(status)
		_, _ = w.Write(cbor.Encode(toCBOR(v)))
		return
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func fromCBOR(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := map[string]any{}
		for k, e := range x {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = fromCBOR(e)
		}
		return l
	case cbor.String:
		return string(x)
	case cbor.Uint:
		return float64(x)
	case cbor.Bool:
		return bool(x)
	case cbor.Float64:
		return float64(x)
	}
	return nil
}

func toCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case map[string]any:
		m := cbor.Map{}
		for k, e := range x {
			m[k] = toCBOR(e)
		}
		return m
	case []any:
		l := cbor.List{}
		for _, e := range x {
			l = append(l, toCBOR(e))
		}
		return l
	case string:
		return cbor.String(x)
	case float64:
		return cbor.Float64(x)
	case bool:
		return cbor.Bool(x)
	}
	return &cbor.Nil{}
}

// callerIdentity is STS GetCallerIdentity's reference example for account.
func callerIdentity(account string) string {
	return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::` + account + `:user/Alice</Arn>
    <UserId>AKIAI44QH8DHBEXAMPLE</UserId>
    <Account>` + account + `</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`
}

// newFake starts a fake endpoint and a provider on it; the account guard
// is answered for unitScope's account unless answer handles it.
func newFake(t *testing.T, answer func(op string, form url.Values, body string, n int) (int, string)) (*Provider, *fakeAWS) {
	t.Helper()
	f := &fakeAWS{t: t, answer: func(op string, form url.Values, body string, n int) (int, string) {
		if op == "GetCallerIdentity" {
			return 200, callerIdentity(unitScope.Account)
		}
		return answer(op, form, body, n)
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	fakeEnv(t, srv.URL)
	p, err := New(context.Background(), unitScope, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func fakeEnv(t *testing.T, endpoint string) {
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestAccountGuardRefusesOtherAccount(t *testing.T) {
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		calls = append(calls, form.Get("Action")+r.Header.Get("X-Amz-Target"))
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, callerIdentity("222222222222"))
	}))
	defer srv.Close()
	fakeEnv(t, srv.URL)
	_, err := New(context.Background(), unitScope, Options{})
	if err == nil {
		t.Fatal("New accepted credentials of another account")
	}
	for _, want := range []string{"222222222222", "111111111111", "EnvConfigCredentials", "staging"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if len(calls) != 1 || calls[0] != "GetCallerIdentity" {
		t.Errorf("calls before refusing: %v, want only GetCallerIdentity", calls)
	}
}

func TestErrorNamesOperationCodeAndRequestID(t *testing.T) {
	p, _ := newFake(t, func(op string, _ url.Values, _ string, _ int) (int, string) {
		return 400, `{"__type":"ParameterNotFound","message":"Parameter /x not found."}`
	})
	_, err := p.r.ssm.GetParameter(context.Background(), ssmGet("/x"))
	err = opError(err, "lock", "")
	var op *provider.OpError
	if !errors.As(err, &op) {
		t.Fatalf("%T %v", err, err)
	}
	if op.Operation != "ssm:GetParameter" || op.Code != "ParameterNotFound" || !op.NotFound || op.Retryable {
		t.Errorf("op error %+v", op)
	}
	if !strings.Contains(err.Error(), "req-GetParameter") || !strings.Contains(err.Error(), "Parameter /x not found.") {
		t.Errorf("error %q lacks the request id or AWS's message", err)
	}
}

func TestThrottledReadIsRetriedWriteIsNot(t *testing.T) {
	throttled := `{"__type":"ThrottlingException","message":"Rate exceeded"}`
	p, f := newFake(t, func(op string, _ url.Values, _ string, n int) (int, string) {
		if n == 1 {
			return 400, throttled
		}
		return 200, `{"Parameter":{"Name":"/x","Value":"{}","Version":1}}`
	})
	if _, err := p.r.ssm.GetParameter(context.Background(), ssmGet("/x")); err != nil {
		t.Fatalf("read not retried past one throttle: %v", err)
	}
	_, err := p.w.ssm.DeleteParameter(context.Background(), ssmDelete("/x"))
	if !provider.IsRetryable(opError(err, "", "")) {
		t.Fatalf("write: %v, want a retryable error left to the applier", err)
	}
	if f.count["GetParameter"] != 2 || f.count["DeleteParameter"] != 1 {
		t.Errorf("calls %v: want 2 reads, 1 write", f.count)
	}
}

func ssmGet(name string) *ssm.GetParameterInput {
	return &ssm.GetParameterInput{Name: aws.String(name)}
}
func ssmDelete(name string) *ssm.DeleteParameterInput {
	return &ssm.DeleteParameterInput{Name: aws.String(name)}
}

func TestCallsAreLoggedAtDebug(t *testing.T) {
	f := &fakeAWS{t: t, answer: func(op string, _ url.Values, _ string, _ int) (int, string) {
		if op == "GetCallerIdentity" {
			return 200, callerIdentity(unitScope.Account)
		}
		return 200, `{"Parameter":{"Name":"/x","Value":"{}","Version":1}}`
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	fakeEnv(t, srv.URL)
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := New(context.Background(), unitScope, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.r.ssm.GetParameter(context.Background(), ssmGet("/x")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"operation=GetCallerIdentity", "operation=GetParameter", "requestId=req-GetParameter"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("debug log lacks %s:\n%s", want, buf.String())
		}
	}
}

func TestNoCredentialsFailsBeforeAnyCall(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	fakeEnv(t, srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := New(context.Background(), unitScope, Options{})
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials") || !strings.Contains(err.Error(), "111111111111") {
		t.Fatalf("New without credentials: %v", err)
	}
	if calls != 0 {
		t.Errorf("%d calls made without credentials", calls)
	}
}
