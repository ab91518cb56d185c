package okr

// Store is every service the storage adapter provides, for the code that
// wires the program together.
type Store interface {
	CycleService
	TeamService
	ObjectiveService
	KeyResultService
	CheckinService
	LinkService
	GraphService
	HistoryService
	UserService
	SettingService
	LedgerService
	SuggestionFeedbackService
}

// RhythmStore is what the scheduler reads and records: who owns what and
// where they are, how the cycle stands and moved, and what was delivered.
type RhythmStore interface {
	CycleService
	TeamService
	ObjectiveService
	KeyResultService
	GraphService
	HistoryService
	UserService
	SettingService
	LedgerService
	SuggestionFeedbackService
}
