package awstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// UploadCertificate makes a self-signed certificate and uploads it as an
// IAM server certificate, which HTTPS listeners accept like an ACM one
// (the emulator has no certificates of its own); it returns its ARN.
func UploadCertificate(t testing.TB, name string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "shop.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), DNSNames: []string{"shop.example.com"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(Region), config.WithHTTPClient(HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	out, err := iam.NewFromConfig(cfg).UploadServerCertificate(context.Background(), &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(fmt.Sprintf("%s-%d", name, time.Now().UnixNano())),
		CertificateBody:       aws.String(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))),
		PrivateKey:            aws.String(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))),
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ServerCertificateMetadata.Arn)
}
