package streamfake

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The fake writes its responses with the append functions below, not with
// encoding/json: they are a large part of a request's cost. Their output is
// byte for byte what encoding/json, with HTML escaping off, writes for the
// same values; properties and a fuzz target in encode_test.go compare the
// two over arbitrary values.

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it without HTML escaping: quote and backslash; \b \f \n \r \t
// and \u00XX for the other control characters; U+2028 and U+2029, which
// JavaScript takes for line ends; and U+FFFD for bytes that are not UTF-8.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendHexID appends an id the fake has checked is lowercase hex, which
// needs no escaping.
func appendHexID(b []byte, id string) []byte {
	b = append(b, '"')
	b = append(b, id...)
	return append(b, '"')
}

// appendFloat appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21
// on, with a two-digit negative exponent shortened (1e-07 → 1e-7). f must
// be finite.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendValue appends a decoded JSON value (maps, slices, strings,
// json.Number, float64, bool, nil) as encoding/json writes it: map keys
// sorted. It reports false for anything else, or a json.Number that is not
// a number, which encoding/json refuses too.
func appendValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, v), true
	case string:
		return appendString(b, v), true
	case json.Number:
		if !isJSONNumber(string(v)) {
			return b, false
		}
		if v == "" {
			return append(b, '0'), true
		}
		return append(b, v...), true
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return b, false
		}
		return appendFloat(b, v), true
	case map[string]any:
		var small [8]string
		keys := small[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendValue(b, v[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// isJSONNumber reports whether s is a JSON number, or "" (which
// encoding/json writes as 0).
func isJSONNumber(s string) bool {
	if s == "" {
		return true
	}
	d := fastDecoder{b: []byte(s)}
	_, ok := d.number()
	return ok && d.i == len(s)
}

// appendTime appends a timestamp in Cloudflare's format, with
// microseconds, quoted: "2021-09-23T05:05:53.451415Z".
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = appendTimestamp(b, t, 6)
	return append(b, '"')
}

// appendTimestamp appends t in UTC as RFC 3339 with digits fractional
// digits (3 or 6) and "Z": what time.Format does with timestampFormat or
// statusTimeFormat, for the years 0 to 9999, without its general parser;
// lists format two timestamps per input.
func appendTimestamp(b []byte, t time.Time, digits int) []byte {
	secs := t.Unix()
	days, rem := secs/86400, secs%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	year, month, day := civil(days)
	if year < 0 || year > 9999 {
		layout := timestampFormat
		if digits == 3 {
			layout = statusTimeFormat
		}
		return t.UTC().AppendFormat(b, layout)
	}
	// Digits go into a fixed buffer, two at a time from a table, then out
	// in one append: lists format two timestamps per input.
	var buf [len("2006-01-02T15:04:05.000000Z")]byte
	put := func(at int, n int64) { buf[at], buf[at+1] = digitPairs[2*n], digitPairs[2*n+1] }
	put(0, year/100)
	put(2, year%100)
	buf[4] = '-'
	put(5, month)
	buf[7] = '-'
	put(8, day)
	buf[10] = 'T'
	put(11, rem/3600)
	buf[13] = ':'
	put(14, rem/60%60)
	buf[16] = ':'
	put(17, rem%60)
	buf[19] = '.'
	micros := int64(t.Nanosecond() / 1000)
	put(20, micros/10000)
	put(22, micros/100%100)
	put(24, micros%100)
	buf[20+digits] = 'Z'
	return append(b, buf[:21+digits]...)
}

// digitPairs holds "00" to "99", for appendTimestamp.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// civil turns days since 1970-01-01 into a proleptic Gregorian date, by
// counting 400-year eras from 0000-03-01 (so leap days fall at an era's
// year end).
func civil(days int64) (year, month, day int64) {
	days += 719468 // days from 0000-03-01 to 1970-01-01
	era := days / 146097
	if days < 0 && days%146097 != 0 {
		era--
	}
	doe := days - era*146097                               // day of the era, 0 to 146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, 0 to 399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1
	mp := (5*doy + 2) / 153                                // month from March, 0 to 11
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendKey appends ,"name": (or "name": first).
func appendKey(b []byte, name string) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendLiveInput appends a live input as the API answers it, at time now.
func appendLiveInput(b []byte, in *LiveInput, customerCode string, now time.Time, form StatusForm) []byte {
	b = append(b, '{')
	b = appendKey(b, "created")
	b = appendTime(b, in.Created)
	if in.DeleteRecordingAfterDays != nil {
		b = appendKey(b, "deleteRecordingAfterDays")
		b = appendFloat(b, *in.DeleteRecordingAfterDays)
	}
	b = appendKey(b, "enabled")
	b = strconv.AppendBool(b, in.Enabled)
	if !in.KeysRotatedAt.IsZero() {
		b = appendKey(b, "keysRotatedAt")
		b = appendTime(b, in.KeysRotatedAt)
	}
	b = appendKey(b, "meta")
	b = append(b, metaOrEmpty(in.Meta)...)
	b = appendKey(b, "modified")
	b = appendTime(b, in.Modified)
	b = appendKey(b, "preferLowLatency")
	b = strconv.AppendBool(b, in.PreferLowLatency)
	b = appendKey(b, "recording")
	b = appendRecording(b, in.Recording)
	key := func(b []byte, secret string) []byte { // "<secret>k<uid>"
		b = append(b, '"')
		b = append(b, secret...)
		b = append(b, 'k')
		b = append(b, in.UID...)
		return append(b, '"')
	}
	rtmps := func(b []byte, secret string) []byte {
		b = append(b, `{"streamKey":`...)
		b = key(b, secret)
		return append(b, `,"url":"`+rtmpsURL+`"}`...)
	}
	srt := func(b []byte, secret, streamID string) []byte {
		b = append(b, `{"passphrase":`...)
		b = key(b, secret)
		b = append(b, `,"streamId":"`...)
		b = append(b, streamID...)
		b = append(b, in.UID...)
		return append(b, `","url":"`+srtURL+`"}`...)
	}
	b = appendKey(b, "rtmps")
	b = rtmps(b, in.Secrets.RTMPS)
	b = appendKey(b, "rtmpsPlayback")
	b = rtmps(b, in.Secrets.RTMPSPlayback)
	b = appendKey(b, "srt")
	b = srt(b, in.Secrets.SRT, "")
	b = appendKey(b, "srtPlayback")
	b = srt(b, in.Secrets.SRTPlayback, "play")
	b = appendKey(b, "status")
	b = appendStatus(b, in.Status, now, form)
	b = appendKey(b, "uid")
	b = appendHexID(b, in.UID)
	// The publish URL carries a secret; the playback URL carries only the
	// uid, as in real responses.
	host := func(b []byte) []byte {
		b = append(b, `{"url":"https://customer-`...)
		b = append(b, customerCode...)
		return append(b, ".cloudflarestream.com/"...)
	}
	b = appendKey(b, "webRTC")
	b = host(b)
	b = append(b, in.Secrets.WebRTC...)
	b = append(b, 'k')
	b = append(b, in.UID...)
	b = append(b, `/webRTC/publish"}`...)
	b = appendKey(b, "webRTCPlayback")
	b = host(b)
	b = append(b, in.UID...)
	b = append(b, `/webRTC/play"}`...)
	return append(b, '}')
}

func appendRecording(b []byte, r Recording) []byte {
	b = append(b, `{"allowedOrigins":`...)
	if r.AllowedOrigins == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, o := range r.AllowedOrigins {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, o)
		}
		b = append(b, ']')
	}
	b = append(b, `,"hideLiveViewerCount":`...)
	b = strconv.AppendBool(b, r.HideLiveViewerCount)
	b = append(b, `,"mode":`...)
	b = appendString(b, r.Mode)
	b = append(b, `,"requireSignedURLs":`...)
	b = strconv.AppendBool(b, r.RequireSignedURLs)
	b = append(b, `,"timeoutSeconds":`...)
	b = strconv.AppendInt(b, r.TimeoutSeconds, 10)
	return append(b, '}')
}

// appendSummary appends a list item: Cloudflare's
// stream_live_input_object_without_url, with no credentials.
func appendSummary(b []byte, in *LiveInput) []byte {
	b = append(b, `{"created":`...)
	b = appendTime(b, in.Created)
	if in.DeleteRecordingAfterDays != nil {
		b = append(b, `,"deleteRecordingAfterDays":`...)
		b = appendFloat(b, *in.DeleteRecordingAfterDays)
	}
	b = append(b, `,"enabled":`...)
	b = strconv.AppendBool(b, in.Enabled)
	b = append(b, `,"meta":`...)
	b = append(b, metaOrEmpty(in.Meta)...)
	b = append(b, `,"modified":`...)
	b = appendTime(b, in.Modified)
	b = append(b, `,"uid":`...)
	b = appendHexID(b, in.UID)
	return append(b, '}')
}

func appendOutput(b []byte, o Output) []byte {
	b = append(b, `{"enabled":`...)
	b = strconv.AppendBool(b, o.Enabled)
	b = append(b, `,"streamKey":`...)
	b = appendString(b, o.StreamKey)
	b = append(b, `,"uid":`...)
	b = appendString(b, o.UID)
	b = append(b, `,"url":`...)
	b = appendString(b, o.URL)
	return append(b, '}')
}

// appendStatus appends a live input's status as responses show it at time
// now: null, the current reason (StatusString), or the object Cloudflare
// answers, with a connected entry seen now.
func appendStatus(b []byte, s *ConnectionStatus, now time.Time, form StatusForm) []byte {
	switch {
	case s == nil:
		return append(b, "null"...)
	case form == StatusString:
		return appendString(b, string(s.Current.Reason))
	}
	entry := func(b []byte, e StatusEntry) []byte {
		b = append(b, `{"reason":`...)
		b = appendString(b, string(e.Reason))
		b = append(b, `,"state":`...)
		b = appendString(b, e.State)
		b = append(b, `,"statusEnteredAt":"`...)
		b = appendTimestamp(b, e.EnteredAt, 3)
		b = append(b, `","statusLastSeen":"`...)
		b = appendTimestamp(b, e.LastSeen, 3)
		return append(b, `"}`...)
	}
	current := s.Current
	if current.State == StateConnected && now.After(current.LastSeen) {
		current.LastSeen = now // its broadcaster is still sending
	}
	b = append(b, `{"current":`...)
	b = entry(b, current)
	b = append(b, `,"history":[`...)
	for i, e := range s.History {
		if i > 0 {
			b = append(b, ',')
		}
		b = entry(b, e)
	}
	return append(b, `]}`...)
}

// appendAPIErrors appends an envelope's errors array.
func appendAPIErrors(b []byte, errs []APIError) []byte {
	b = append(b, '[')
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = strconv.AppendInt(b, int64(e.Code), 10)
		b = append(b, `,"message":`...)
		b = appendString(b, e.Message)
		if len(e.ErrorChain) > 0 {
			b = append(b, `,"error_chain":`...)
			b = appendAPIErrors(b, e.ErrorChain)
		}
		if e.Source != nil {
			b = append(b, `,"source":{"pointer":`...)
			b = appendString(b, e.Source.Pointer)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// Response bodies are built in pooled buffers. A body the log may keep is
// copied out, so the buffer goes back at once; a large one (a list of
// many inputs) goes out from the buffer itself, which returns to the pool
// after the write, so repeated large answers reuse one buffer instead of
// growing the heap.
var responseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// pooledFrom is how large a body must be to be sent from its buffer.
const pooledFrom = 64 << 10

// maxPooledBuffer bounds what the pool keeps: a buffer that grew larger
// for one huge answer is left to the collector.
const maxPooledBuffer = 64 << 20

// successResponse builds a success envelope whose result appendResult
// writes.
func successResponse(appendResult func([]byte) []byte) response {
	buf := responseBuffers.Get().(*[]byte)
	b := append((*buf)[:0], `{"success":true,"errors":[],"messages":[],"result":`...)
	b = appendResult(b)
	b = append(b, '}')
	*buf = b
	if len(b) < pooledFrom {
		body := bytes.Clone(b)
		responseBuffers.Put(buf)
		return response{status: 200, body: body}
	}
	return response{status: 200, body: b, pooled: buf}
}

// release returns a response's pooled buffer, once it is written.
func (r *response) release() {
	if r.pooled == nil {
		return
	}
	if cap(*r.pooled) <= maxPooledBuffer {
		responseBuffers.Put(r.pooled)
	}
	r.pooled, r.body = nil, nil
}
