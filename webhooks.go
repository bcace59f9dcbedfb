package streamfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EventType names what a webhook delivery tells.
type EventType string

// The events. The first three are Cloudflare Notifications for Stream
// live inputs; EventVideoReady is the fake's name for the Stream webhook's
// delivery of a recording that became ready.
const (
	EventLiveInputConnected    EventType = "live_input.connected"
	EventLiveInputDisconnected EventType = "live_input.disconnected"
	EventLiveInputErrored      EventType = "live_input.errored"
	EventVideoReady            EventType = "video.ready"
)

// event is something that happened to an input, to be delivered.
type event struct {
	kind           EventType
	account, input string
	video          string // for EventVideoReady
	at             time.Time
	broadcastErr   *BroadcastError // for EventLiveInputErrored
}

// WithLiveWebhook sends Cloudflare's live input notifications
// (live_input.connected, .disconnected, .errored) to url, as a
// notification policy with a webhook destination would. secret, if not
// empty, goes in the cf-webhook-auth header of every delivery; inputIDs, if
// any, limit the notifications to those inputs. Without it no live
// notification is sent.
func WithLiveWebhook(url, secret string, inputIDs ...string) Option {
	return func(c *config) {
		c.liveWebhook = &liveWebhook{url: url, secret: secret, inputs: inputIDs}
	}
}

type liveWebhook struct {
	url, secret string
	inputs      []string
}

// WithWebhookRetries sets how deliveries are retried: an attempt that
// gets no answer, or one other than 2xx, is repeated until attempts have
// been made, backoff apart on the fake's clock (with a ManualClock, a
// retry with a backoff waits for the test to advance the clock). The
// default is 3 attempts, no backoff.
func WithWebhookRetries(attempts int, backoff time.Duration) Option {
	return func(c *config) { c.webhookAttempts, c.webhookBackoff = attempts, backoff }
}

// WithWebhookTimeout bounds each delivery attempt. The default is 2 seconds.
func WithWebhookTimeout(d time.Duration) Option {
	return func(c *config) { c.webhookTimeout = d }
}

// WithSyncWebhooks makes the call that causes an event (Connect, a request
// to the API, an Advance of the manual clock) return only after the
// event's first delivery attempt, so a test can assert on its endpoint
// right away. The wait is bounded by the delivery timeout. By default
// deliveries happen in the background, in order; WaitForDeliveries waits
// for them.
func WithSyncWebhooks() Option {
	return func(c *config) { c.syncWebhooks = true }
}

// Webhook defaults.
const (
	DefaultWebhookAttempts = 3
	DefaultWebhookTimeout  = 2 * time.Second
)

// WebhookSubscription is an account's Stream webhook: where recordings
// that become ready are announced, signed with Secret.
type WebhookSubscription struct {
	NotificationURL string    `json:"notificationUrl"` // an http or https URL
	Secret          string    `json:"secret"`          // the HMAC key of Webhook-Signature
	Modified        time.Time `json:"modified"`        // when it was last set
}

// Webhook returns a copy of the account's Stream webhook subscription.
func (f *Fake) Webhook(accountID string) (WebhookSubscription, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.accounts[accountID]; a != nil && a.webhook != nil {
		return *a.webhook, true
	}
	return WebhookSubscription{}, false
}

// Delivery is one attempt to deliver a webhook: what was sent, where, and
// what came back. Values returned by the Fake are copies.
type Delivery struct {
	Seq     int64     `json:"seq"`             // 1 for the fake's first attempt, and so on
	Event   EventType `json:"event"`           // what it tells
	Account string    `json:"account"`         // the account of the input
	Input   string    `json:"input"`           // the live input's uid
	Video   string    `json:"video,omitempty"` // the recording's uid, for EventVideoReady
	URL     string    `json:"url"`             // where it was sent
	Attempt int       `json:"attempt"`         // 1 for the first attempt of this event
	Time    time.Time `json:"time"`            // when it was made, by the fake's clock
	// Header is what was sent, with the cf-webhook-auth secret redacted.
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"` // the JSON that was posted
	// Authenticated is set when the delivery carried the configured
	// secret (live notifications) or a Webhook-Signature made with the
	// subscription's secret (the Stream webhook).
	Authenticated bool          `json:"authenticated"`
	Status        int           `json:"status"`          // the endpoint's status; 0 without an answer
	Error         string        `json:"error,omitempty"` // why there was no answer
	Duration      time.Duration `json:"duration"`        // how long the attempt took, in real time
}

// MarshalJSON shows the body as the JSON it is (the admin API's form).
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery // without this method
	body, _ := bodyForJSON(d.Body)
	return json.Marshal(struct {
		plain
		Body json.RawMessage `json:"body"`
	}{plain(d), body})
}

// Succeeded reports whether the endpoint answered 2xx.
func (d Delivery) Succeeded() bool { return d.Status >= 200 && d.Status < 300 }

// pending is an event's delivery waiting to be made, or made again.
type pending struct {
	d      Delivery // the next attempt's record, filled in when it is made
	secret string   // cf-webhook-auth, for live notifications
	signer string   // the Stream webhook's secret, which signs each attempt
	dueAt  time.Time
	// first is closed once the first attempt is over, for WithSyncWebhooks.
	first chan struct{}
}

// webhookWorker delivers in order, one at a time, from one goroutine that
// starts with the first delivery and ends with Close.
type webhookWorker struct {
	mu      sync.Mutex
	queue   []*pending
	log     []Delivery
	seq     int64
	changed chan struct{} // closed at the next attempt recorded
	wake    chan struct{} // a token: something was queued, or the clock moved
	started bool
	done    chan struct{} // closed when the goroutine ends
	ctx     context.Context
	cancel  context.CancelFunc
	client  *http.Client
}

// prepare turns events into deliveries: the live notifications the
// configuration asks for, and the Stream webhook of the account. The
// caller holds f.mu, so bodies show the state at the event.
func (f *Fake) prepare(events []event) []*pending {
	var out []*pending
	for _, e := range events {
		a := f.accounts[e.account]
		d := Delivery{Event: e.kind, Account: e.account, Input: e.input, Video: e.video}
		switch {
		case e.kind == EventVideoReady:
			v := a.video(e.video)
			if a.webhook == nil || v == nil {
				continue
			}
			d.URL, d.Body = a.webhook.NotificationURL, appendVideo(nil, v, a.customerCode)
			out = append(out, &pending{d: d, signer: a.webhook.Secret, dueAt: e.at})
		case f.cfg.liveWebhook != nil:
			lw := f.cfg.liveWebhook
			if len(lw.inputs) > 0 && !slices.Contains(lw.inputs, e.input) {
				continue
			}
			d.URL, d.Body = lw.url, liveNotification(e)
			out = append(out, &pending{d: d, secret: lw.secret, dueAt: e.at})
		}
	}
	return out
}

// notificationName is the "name" of live notifications: the name of the
// notification policy, which the fake does not configure.
const notificationName = "streamfake live notifications"

// liveNotification is the body Cloudflare Notifications POST for a live
// input event. An errored event carries its error inside data, as the
// documentation's example does (its prose puts it at the top level).
func liveNotification(e event) []byte {
	updated := e.at.UTC().Format("2006-01-02T15:04:05.000000000Z")
	b := []byte(`{"name":`)
	b = appendString(b, notificationName)
	b = append(b, `,"text":`...)
	b = appendString(b, "Notification type: Stream Live Input\nInput ID: "+e.input+"\nEvent type: "+string(e.kind)+"\nUpdated at: "+updated)
	b = append(b, `,"data":{"notification_name":"Stream Live Input","input_id":`...)
	b = appendHexID(b, e.input)
	b = append(b, `,"event_type":`...)
	b = appendString(b, string(e.kind))
	b = append(b, `,"updated_at":`...)
	b = appendString(b, updated)
	if be := e.broadcastErr; be != nil {
		b = append(b, `,"live_input_errored":{"error":{"code":`...)
		b = appendString(b, string(be.Code))
		b = append(b, `,"message":`...)
		b = appendString(b, be.Message)
		b = append(b, `},"video_codec":`...)
		b = appendString(b, be.VideoCodec)
		b = append(b, `,"audio_codec":`...)
		b = appendString(b, be.AudioCodec)
		b = append(b, '}')
	}
	b = append(b, `},"ts":`...)
	b = strconv.AppendInt(b, e.at.Unix(), 10)
	return append(b, '}')
}

// enqueue queues deliveries that prepare made, and with WithSyncWebhooks
// waits for their first attempts. It must be called without f.mu.
func (f *Fake) enqueue(deliveries []*pending) {
	if len(deliveries) == 0 {
		return
	}
	w := &f.webhooks
	w.mu.Lock()
	select {
	case <-w.ctx.Done(): // closed: nothing more goes out
		w.mu.Unlock()
		return
	default:
	}
	for _, p := range deliveries {
		p.first = make(chan struct{})
		w.queue = append(w.queue, p)
	}
	if !w.started {
		w.started = true
		go f.deliverLoop()
	}
	w.mu.Unlock()
	w.poke()
	if !f.cfg.syncWebhooks {
		return
	}
	bound := time.NewTimer(f.cfg.webhookTimeout + time.Second)
	defer bound.Stop()
	for _, p := range deliveries {
		select {
		case <-p.first:
		case <-bound.C:
			return
		case <-w.ctx.Done():
			return
		}
	}
}

// poke wakes the delivery goroutine, if it sleeps.
func (w *webhookWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// deliverLoop makes the deliveries, in order: the head of the queue until
// it succeeds or runs out of attempts, then the next. It waits, without
// polling, for work, for a retry to fall due, or for Close.
func (f *Fake) deliverLoop() {
	w := &f.webhooks
	defer close(w.done)
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			w.mu.Unlock()
			select {
			case <-w.wake:
				continue
			case <-w.ctx.Done():
				return
			}
		}
		p := w.queue[0]
		w.mu.Unlock()
		if wait := p.dueAt.Sub(f.now()); wait > 0 {
			// The system clock needs a real timer; other clocks wake the
			// loop when they move.
			var timer *time.Timer
			var fired <-chan time.Time
			if f.systemTimer != nil {
				timer = time.NewTimer(wait)
				fired = timer.C
			}
			select {
			case <-w.wake:
			case <-fired:
			case <-w.ctx.Done():
			}
			if timer != nil {
				timer.Stop()
			}
			if w.ctx.Err() != nil {
				return
			}
			continue
		}
		f.attempt(p)
	}
}

// attempt makes one delivery attempt of the head of the queue, records
// it, and retries or moves on.
func (f *Fake) attempt(p *pending) {
	w := &f.webhooks
	d := p.d
	d.Time = f.now()
	d.Attempt++
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {webhookUserAgent}}
	switch {
	case p.signer != "":
		header.Set("Webhook-Signature", SignWebhook(p.signer, d.Time, d.Body))
		d.Authenticated = true
	case p.secret != "":
		header.Set("Cf-Webhook-Auth", p.secret)
		d.Authenticated = true
	}
	ctx, cancel := context.WithTimeout(w.ctx, f.cfg.webhookTimeout)
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, "POST", d.URL, bytes.NewReader(d.Body))
	if err == nil {
		req.Header = header.Clone()
		var resp *http.Response
		if resp, err = w.client.Do(req); err == nil {
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	cancel()
	d.Duration = time.Since(start)
	if err != nil {
		d.Error = err.Error()
	}
	if header.Get("Cf-Webhook-Auth") != "" {
		header.Set("Cf-Webhook-Auth", "REDACTED")
	}
	d.Header = header

	w.mu.Lock()
	w.seq++
	d.Seq = w.seq
	w.log = append(w.log, d)
	if len(w.log) > maxDeliveryLog {
		w.log = slices.Delete(w.log, 0, len(w.log)-maxDeliveryLog)
	}
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
	if d.Attempt == 1 {
		close(p.first)
	}
	if d.Succeeded() || d.Attempt >= f.cfg.webhookAttempts || w.ctx.Err() != nil {
		w.queue = w.queue[1:]
	} else {
		p.d.Attempt = d.Attempt
		p.dueAt = clampTime(d.Time.Add(f.cfg.webhookBackoff))
	}
	w.mu.Unlock()
}

// maxDeliveryLog is how many attempts the delivery log keeps.
const maxDeliveryLog = 10000

// Deliveries returns copies of the delivery attempts made so far, oldest
// first (the most recent 10,000).
func (f *Fake) Deliveries() []Delivery {
	out, _ := f.webhooks.snapshot(nil)
	return out
}

func (w *webhookWorker) snapshot(match func(Delivery) bool) ([]Delivery, <-chan struct{}) {
	w.mu.Lock()
	all := make([]Delivery, len(w.log))
	for i, d := range w.log {
		d.Header = d.Header.Clone()
		d.Body = cloneBytes(d.Body)
		all[i] = d
	}
	if w.changed == nil {
		w.changed = make(chan struct{})
	}
	changed := w.changed
	w.mu.Unlock()
	// match runs on the copies, outside the lock: it may read the fake, or
	// take its time, without stalling deliveries.
	return keep(all, match), changed
}

// WaitForDeliveries waits until at least n delivery attempts satisfy match
// (nil matches all), and returns them. It returns ctx's error, with the
// attempts seen so far, if ctx ends first, and ErrClosed if the fake is
// closed first.
func (f *Fake) WaitForDeliveries(ctx context.Context, n int, match func(Delivery) bool) ([]Delivery, error) {
	return waitFor(ctx, f.done, n, func() ([]Delivery, <-chan struct{}) { return f.webhooks.snapshot(match) })
}

// PendingDeliveries returns the deliveries waiting for an attempt, or in
// one now, oldest first: an event's first attempt, or a retry. Attempt is
// how many attempts were made so far. With background deliveries, a call
// that caused an event (Connect, a request, a clock move) has queued its
// deliveries by the time it returns, so they are here until attempted.
func (f *Fake) PendingDeliveries() []Delivery {
	w := &f.webhooks
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Delivery, len(w.queue))
	for i, p := range w.queue {
		out[i] = p.d
		out[i].Header, out[i].Body = nil, cloneBytes(p.d.Body)
	}
	return out
}

// ClearDeliveries empties the delivery log.
func (f *Fake) ClearDeliveries() {
	f.webhooks.mu.Lock()
	defer f.webhooks.mu.Unlock()
	f.webhooks.log = nil
}

// stopWebhooks cancels deliveries in flight and waits for the delivery
// goroutine, which ends at once.
func (f *Fake) stopWebhooks() {
	w := &f.webhooks
	w.cancel()
	w.mu.Lock()
	started := w.started
	w.mu.Unlock()
	if started {
		<-w.done
	}
	w.client.CloseIdleConnections()
}

// SignWebhook returns the Webhook-Signature header Cloudflare's Stream
// webhook sends with body at time at: "time=<unix seconds>,sig1=<hex>",
// sig1 being HMAC-SHA256, keyed with the subscription's secret, of the
// time, a dot, and the body. Tests use it to send their own handler a
// signed request, a wrongly signed one (another secret) or a stale one (an
// old time).
func SignWebhook(secret string, at time.Time, body []byte) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "time=" + ts + ",sig1=" + hex.EncodeToString(mac.Sum(nil))
}

// NewWebhookRequest returns the POST Cloudflare's Stream webhook would send
// to url with body, signed with secret at time at (SignWebhook), for a test
// to serve to its own handler: with httptest.NewRecorder, or through a
// client. Another secret makes a wrong signature, an old at a stale one,
// and removing the Webhook-Signature header an unsigned request. An url
// that does not parse panics, as httptest.NewRequest does.
func NewWebhookRequest(url, secret string, at time.Time, body []byte) *http.Request {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		panic("streamfake: NewWebhookRequest: " + err.Error())
	}
	req.Header = http.Header{"Content-Type": {"application/json"}, "User-Agent": {webhookUserAgent}}
	req.Header.Set("Webhook-Signature", SignWebhook(secret, at, body))
	return req
}

// webhookUserAgent is the User-Agent of the fake's deliveries.
const webhookUserAgent = "streamfake-webhooks"

// VerifyWebhook checks a Webhook-Signature header as a receiver should:
// made with secret over this body, and no older than maxAge at now (0:
// any age). It compares in constant time.
func VerifyWebhook(secret, header string, body []byte, now time.Time, maxAge time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "time":
			ts = v
		case "sig1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("streamfake: the signature is not time=<unix>,sig1=<hex>")
	}
	want := SignWebhook(secret, time.Unix(sec, 0), body)
	if !hmac.Equal([]byte(want[strings.Index(want, "sig1=")+5:]), []byte(sig)) {
		return errors.New("streamfake: the signature does not match the body and secret")
	}
	if age := now.Sub(time.Unix(sec, 0)); maxAge > 0 && age > maxAge {
		return fmt.Errorf("streamfake: the signature is %v old, more than %v", age, maxAge)
	}
	return nil
}

// checkWebhookURL refuses a notification URL that is not absolute http(s).
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http or https URL", raw)
	}
	return nil
}
