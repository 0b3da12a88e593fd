// Package examples embeds the example workspaces' flows, which flow
// generation shows the model as samples of the format (the files stay the
// documentation's; this is not a copy).
package examples

import "embed"

// Flows holds examples/salon/flows/*.json.
//
//go:embed salon/flows/*.json
var Flows embed.FS

// BookingFlow is the path in Flows of the booking example.
const BookingFlow = "salon/flows/prise-de-rendez-vous.json"
