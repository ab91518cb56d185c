package bot

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/slack-go/slack/slackevents"
)

// An app_home_opened event parses as slackevents.ParseEvent parses it, all
// but the Home's view, which the bot never reads; other events are left to
// ParseEvent.
func TestParseHomeOpened_AsSlackGoWithoutTheView(t *testing.T) {
	payload := json.RawMessage(`{"token":"tok","team_id":"T1","api_app_id":"A1","enterprise_id":"E1","is_ext_shared_channel":false,
		"type":"event_callback","event_id":"Ev1","event_time":1764580000,"authed_users":["U0"],
		"event":{"type":"app_home_opened","user":"U1","channel":"D1","tab":"home","event_ts":"1764580000.000100",
			"view":{"id":"V1","type":"home","hash":"h1","blocks":[{"type":"section","block_id":"b1","text":{"type":"mrkdwn","text":"*Your OKRs*"}},
				{"type":"actions","block_id":"b2","elements":[{"type":"button","action_id":"a1","text":{"type":"plain_text","text":"Check in"},"value":"all"}]}]}}}`)
	got, ok := parseHomeOpened(payload)
	if !ok {
		t.Fatal("an app_home_opened event was not recognised")
	}
	want, err := slackevents.ParseEvent(payload, slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatal(err)
	}
	opened, isOpened := want.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !isOpened || opened.View == nil || len(opened.View.Blocks.BlockSet) != 2 {
		t.Fatalf("slack-go parsed %#v: the test's payload is not what it means to be", want.InnerEvent.Data)
	}
	opened.View = nil // the one difference
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed\n%#v\nwant\n%#v", got, want)
	}

	for name, other := range map[string]string{
		"another event":  `{"type":"event_callback","event_id":"Ev2","event":{"type":"user_change","user":{"id":"U1"}}}`,
		"no event":       `{"type":"event_callback","event_id":"Ev3"}`,
		"not JSON":       `{"type":"event_callback","event":`,
		"not a callback": `{"type":"url_verification","challenge":"c"}`,
	} {
		if _, ok := parseHomeOpened(json.RawMessage(other)); ok {
			t.Errorf("%s was taken for app_home_opened", name)
		}
	}
}
