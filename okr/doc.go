// Package okr is the domain of okrbot: objectives, key results, check-ins,
// cycles and teams; the progress and rollup math; the alignment rules and
// analysis; and parent suggestions. It is pure Go: no I/O, no Slack, no SQL.
// It also declares the services that the adapters (storage, bot, scheduler)
// implement or call, so that dependencies point inward to this package.
package okr
