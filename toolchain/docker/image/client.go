package image

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	clitypes "github.com/docker/cli/cli/config/types"
	"github.com/docker/cli/cli/connhelper"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/client"
	"google.golang.org/protobuf/types/known/structpb"
)

// Config is the part of the provider configuration the Image resource uses to
// reach the Docker engine (the same keys the Terraform provider reads).
type Config struct {
	Host         string
	SSHOpts      []string
	CAMaterial   string
	CertMaterial string
	KeyMaterial  string
	CertPath     string
}

// configFrom reads Configure's args (Pulumi property names) and, for older
// engines, its "docker:config:<key>" variables. Non-string values may arrive
// JSON-encoded.
func configFrom(args *structpb.Struct, vars map[string]string) (Config, error) {
	get := func(key string) (interface{}, bool) {
		if args != nil {
			if v, ok := args.GetFields()[key]; ok {
				return v.AsInterface(), true
			}
		}
		if v, ok := vars["docker:config:"+key]; ok {
			return v, true
		}
		return nil, false
	}
	str := func(key string) string {
		v, _ := get(key)
		s, _ := v.(string)
		return s
	}
	c := Config{
		Host: str("host"), CAMaterial: str("caMaterial"), CertMaterial: str("certMaterial"),
		KeyMaterial: str("keyMaterial"), CertPath: str("certPath"),
	}
	if v, ok := get("sshOpts"); ok {
		switch t := v.(type) {
		case []interface{}:
			for _, e := range t {
				if s, ok := e.(string); ok {
					c.SSHOpts = append(c.SSHOpts, s)
				}
			}
		case string:
			if t != "" {
				if err := json.Unmarshal([]byte(t), &c.SSHOpts); err != nil {
					return c, fmt.Errorf("docker:sshOpts: want a list of strings: %w", err)
				}
			}
		}
	}
	return c, nil
}

// newClient connects to the engine: the configured host, else DOCKER_HOST
// (and the other DOCKER_* variables), else the local socket; ssh:// hosts go
// through the ssh binary as the docker CLI does; TLS from the *Material keys
// or certPath.
func newClient(c Config) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	host := c.Host
	if host == "" {
		host = os.Getenv("DOCKER_HOST")
	}
	if strings.HasPrefix(host, "ssh://") {
		helper, err := connhelper.GetConnectionHelperWithSSHOpts(host, c.SSHOpts)
		if err != nil {
			return nil, fmt.Errorf("docker host %s: %w", host, err)
		}
		opts = append(opts,
			client.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: helper.Dialer}}),
			client.WithHost(helper.Host), client.WithDialContext(helper.Dialer))
	} else if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	switch {
	case c.CertMaterial != "" || c.KeyMaterial != "" || c.CAMaterial != "":
		tc, err := tlsConfig(c)
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: tc}}))
	case c.CertPath != "":
		opts = append(opts, client.WithTLSClientConfig(
			filepath.Join(c.CertPath, "ca.pem"), filepath.Join(c.CertPath, "cert.pem"), filepath.Join(c.CertPath, "key.pem")))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating the Docker client: %w", err)
	}
	return cli, nil
}

func tlsConfig(c Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAMaterial != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CAMaterial)) {
			return nil, fmt.Errorf("docker:caMaterial holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	if c.CertMaterial != "" || c.KeyMaterial != "" {
		cert, err := tls.X509KeyPair([]byte(c.CertMaterial), []byte(c.KeyMaterial))
		if err != nil {
			return nil, fmt.Errorf("docker:certMaterial/keyMaterial: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func cliAuth(a registry.AuthConfig) clitypes.AuthConfig {
	return clitypes.AuthConfig{
		Username: a.Username, Password: a.Password, Auth: a.Auth, ServerAddress: a.ServerAddress,
		IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken,
	}
}
