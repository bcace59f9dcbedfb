// Package cloudflarego shows the official Go SDK,
// github.com/cloudflare/cloudflare-go/v7, talking to streamfake. The SDK
// lives in this module's go.mod, never in streamfake's own.
package cloudflarego
