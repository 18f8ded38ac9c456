package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Timeout bounds one delivery: a receiver slower than this fails the
// attempt, which is tried again later.
const Timeout = 10 * time.Second

// ErrAddressRefused is wrapped by the error of a delivery to an address
// notifications may not reach.
var ErrAddressRefused = errors.New("notifications may not reach this address")

// Client sends notifications.
type Client struct {
	http *http.Client
}

// NewClient returns a client whose connections refuse link-local
// addresses always and loopback ones unless allowLoopback: the check runs
// on the address dialled, after name resolution, so a name that resolves
// there (or is rebound to it) is refused too.
func NewClient(allowLoopback bool) *Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrAddressRefused, address)
		}
		a := ap.Addr().Unmap()
		switch {
		case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(), a.IsUnspecified(), a.IsMulticast():
			return fmt.Errorf("%w: %s is link-local, unspecified or multicast", ErrAddressRefused, a)
		case a.IsLoopback() && !allowLoopback:
			return fmt.Errorf("%w: %s is loopback (kite serve --notify-allow-loopback)", ErrAddressRefused, a)
		}
		return nil
	}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil // a proxy would dial for us, past the check
	return &Client{http: &http.Client{
		Transport: tr,
		Timeout:   Timeout,
		// A redirect could lead anywhere; receivers answer where asked.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// post sends body to url and returns the receiver's status; any status
// outside 2xx is an error.
func (c *Client) post(ctx context.Context, url, contentType string, body []byte, header http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "kite-notify")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	// A little of the answer is read so the connection can be reused, no
	// more: a receiver's answer is not worth a large read.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return resp.StatusCode, nil
}
