package trust

import (
	"errors"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/config"
)

func TestRemoteHost(t *testing.T) {
	for _, c := range []struct {
		url    string
		host   string
		remote bool
	}{
		{"mongodb://127.0.0.1:27017/app", "", false},
		{"mongodb://localhost/app", "", false},
		{"mongodb://LOCALHOST:1", "", false},
		{"mongodb://[::1]:27017/app", "", false},
		{"mongodb://127.8.9.10", "", false},
		{"mongodb://u:p@localhost:1,127.0.0.1:2/app?replicaSet=rs", "", false},
		{"mongodb://%2Ftmp%2Fmongodb-27017.sock/app", "", false},
		{"mongodb://db.example.com:27017/app", "db.example.com", true},
		{"mongodb://u:p%40x@10.1.2.3/app", "10.1.2.3", true},
		{"mongodb://localhost:1,prod.example.com:2/app", "prod.example.com", true},
		{"mongodb://[2001:db8::1]:27017", "2001:db8::1", true},
		{"mongodb+srv://localhost/app", "localhost", true},
		{"mongodb+srv://cluster0.abc.mongodb.net/app", "cluster0.abc.mongodb.net", true},
		{"mongodb://localhost.evil.com/app", "localhost.evil.com", true},
		{"not a url", "", true},
		{"mongodb:///app", "", true},
	} {
		host, remote := RemoteHost(c.url)
		if host != c.host || remote != c.remote {
			t.Errorf("RemoteHost(%q) = %q, %v; want %q, %v", c.url, host, remote, c.host, c.remote)
		}
	}
}

func TestCheckDatabaseWrite(t *testing.T) {
	c := config.Default()
	if err := CheckDatabaseWrite(c); err != nil {
		t.Fatalf("default local database: %v", err)
	}
	c.Database.URL = "mongodb://admin:pw@prod.example.com:27017/shop"
	err := CheckDatabaseWrite(c)
	var re *RemoteDatabaseError
	if !errors.As(err, &re) || re.Host != "prod.example.com" {
		t.Fatalf("remote database: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"prod.example.com"`) || !strings.Contains(msg, "allowRemote: true") {
		t.Errorf("message = %s", msg)
	}
	c.Development.HotReload.Database.AllowRemote = true
	if err := CheckDatabaseWrite(c); err != nil {
		t.Errorf("allowRemote: true still refuses: %v", err)
	}
}
