module github.com/streamfake/streamfake/examples/cloudflare-go

go 1.24

require (
	github.com/cloudflare/cloudflare-go/v7 v7.9.0
	github.com/streamfake/streamfake v0.0.0
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/tidwall/gjson v1.14.4 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	github.com/xeipuuv/gojsonpointer v0.0.0-20180127040702-4e3ac2762d5f // indirect
	github.com/xeipuuv/gojsonreference v0.0.0-20180127040603-bd5ef7bd5415 // indirect
	github.com/xeipuuv/gojsonschema v1.2.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/streamfake/streamfake => ../..
