package bot

import "strings"

// routes is everything the bot answers, in one place: the /okr verbs, the
// buttons, the type-ahead of external selects and the modal submissions.
type routes struct {
	verbs       []verb                 // in the order help lists them
	actions     map[string]actionFunc  // by action ID
	suggestions map[string]suggestFunc // by "callbackID/blockID"
	submissions map[string]submitFunc  // by the modal's callback ID
}

// newRoutes is every route, for New to put on the bot.
func newRoutes() routes {
	return routes{
		verbs: []verb{
			{name: "new", aliases: []string{"add", "create"}, usage: "[company|department|team|personal]", example: "/okr new team",
				summary: "create an objective with its key results", run: (*Bot).cmdNew},
			{name: "kr", usage: "<objective>", example: "/okr kr O12", summary: "add a key result to an objective", minArgs: 1, run: (*Bot).cmdKR},
			{name: "edit", usage: "<objective or key result>", example: "/okr edit KR45", summary: "change an objective or key result", minArgs: 1, run: (*Bot).cmdEdit},
			{name: "link", aliases: []string{"align"}, usage: "<objective> [to <parent>]", example: "/okr link O12 to O3",
				summary: "align an objective with the one it supports", minArgs: 1, run: (*Bot).cmdLink},
			{name: "unlink", usage: "<objective>", example: "/okr unlink O12", summary: "remove an objective's parent", minArgs: 1, run: (*Bot).cmdUnlink},
			{name: "checkin", aliases: []string{"check-in", "ci", "update"}, usage: "[<key result or objective>]", example: "/okr checkin",
				summary: "record progress on the key results you own", run: (*Bot).cmdCheckin},
			{name: "drive", usage: "<key result>", example: "/okr drive KR45",
				summary: "let the objectives that deliver a key result drive its progress again", minArgs: 1, run: (*Bot).cmdDrive},
			{name: "list", aliases: []string{"ls"}, usage: "[mine | @person | team <name> | company | at-risk | stale | <cycle>]", example: "/okr list at-risk",
				summary: "list objectives", read: true, run: (*Bot).cmdList},
			{name: "show", usage: "<objective or key result>", example: "/okr show O12", summary: "show one objective or key result in full", minArgs: 1, read: true, run: (*Bot).cmdShow},
			{name: "tree", usage: "[<objective>]", example: "/okr tree", summary: "the alignment tree, with rollups", read: true, run: (*Bot).cmdTree},
			{name: "gaps", usage: "", example: "/okr gaps", summary: "what is not aligned, stale or at risk", read: true, run: (*Bot).cmdGaps},
			{name: "archive", aliases: []string{"delete"}, usage: "<objective or key result>", example: "/okr archive O12",
				summary: "archive an objective or key result (history stays)", minArgs: 1, run: (*Bot).cmdArchive},
			{name: "team", aliases: []string{"teams"}, usage: "[new | <name>]", example: "/okr team Platform", summary: "list, create or change teams", run: (*Bot).cmdTeam},
			{name: "cycle", aliases: []string{"cycles"}, usage: "[start [<name>] | close]", example: "/okr cycle", summary: "see cycles; admins start and close them", run: (*Bot).cmdCycle},
			{name: "settings", usage: "", example: "/okr settings", summary: "schedules, digest channel, limits (admins)", run: (*Bot).cmdSettings},
			{name: "away", usage: "<date>", example: "/okr away friday", summary: "no check-in prompts until a date", minArgs: 1, run: (*Bot).cmdAway},
			{name: "back", usage: "", example: "/okr back", summary: "prompts resume", run: (*Bot).cmdBack},
		},
		actions: map[string]actionFunc{
			actCheckinOpen:   (*Bot).checkinOpen,
			actHomeNew:       (*Bot).homeNew,
			actAddSlot:       (*Bot).addSlot,
			actArchive:       (*Bot).archiveConfirmed,
			actKeep:          (*Bot).archiveCancelled,
			actLinkSuggested: (*Bot).linkSuggested,
			actNotRelated:    (*Bot).notRelated,
			actLinkOpen:      (*Bot).linkOpen,
			actPageMore:      (*Bot).onPage,
			actPagePrev:      (*Bot).onPage,
			actPageBack:      (*Bot).onPage,
			actCycleStart:    (*Bot).onCycleStart,
			actCycleClose:    (*Bot).onCycleClose,
			actCycleCancel:   (*Bot).onCycleCancel,
			actScoreOpen:     (*Bot).openScores,
		},
		suggestions: map[string]suggestFunc{
			cbNewObjective + "/parent": (*Bot).suggestParents,
			cbNewObjective + "/team":   (*Bot).suggestTeams,
			cbEditObjective + "/team":  (*Bot).suggestTeams,
			cbLink + "/parent":         (*Bot).suggestLinkTargets,
			cbTeam + "/parent":         (*Bot).suggestTeams,
		},
		submissions: map[string]submitFunc{
			cbNewObjective:  (*Bot).submitNewObjective,
			cbAddKeyResult:  (*Bot).submitKeyResult,
			cbEditObjective: (*Bot).submitEditObjective,
			cbEditKeyResult: (*Bot).submitKeyResult,
			cbCheckin:       (*Bot).submitCheckin,
			cbLink:          (*Bot).submitLink,
			cbTeam:          (*Bot).submitTeam,
			cbSettings:      (*Bot).submitSettings,
			cbScore:         (*Bot).submitScores,
		},
	}
}

// findVerb finds a verb by its name or one of its aliases; nil when none
// matches.
// Verbs are the /okr verbs, in the order help lists them, and help itself:
// what the manifest's usage hint names.
func Verbs() []string {
	var out []string
	for _, v := range newRoutes().verbs {
		out = append(out, v.name)
	}
	return append(out, "help")
}

func (r *routes) findVerb(name string) *verb {
	name = strings.ToLower(name)
	for i := range r.verbs {
		v := &r.verbs[i]
		if v.name == name {
			return v
		}
		for _, a := range v.aliases {
			if a == name {
				return v
			}
		}
	}
	return nil
}
