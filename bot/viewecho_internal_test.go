package bot

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/slackfake"
)

// The bot's client drops the view Slack echoes from views.publish and
// reports a refusal exactly as slack-go does without it.
func TestWithoutViewEcho_DropsTheEchoKeepsTheAnswer(t *testing.T) {
	srv := slackfake.New(slackfake.Options{})
	defer srv.Close()
	if err := srv.AddUser(slackfake.User{ID: "UMIA", Name: "mia", TZ: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	plain := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()))
	trimmed := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(withoutViewEcho{&http.Client{}}))
	ctx := context.Background()
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{section("Your OKRs")}}}

	echoed, err := plain.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "UMIA", View: view})
	if err != nil || echoed.View.ID == "" {
		t.Fatalf("without the wrapper: view %q, %v; want the echoed view", echoed.View.ID, err)
	}
	got, err := trimmed.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "UMIA", View: view})
	if err != nil {
		t.Fatalf("with the wrapper: %v", err)
	}
	if got.View.ID != "" || !got.Ok {
		t.Errorf("with the wrapper: ok %v, view %q; want ok and no view decoded", got.Ok, got.View.ID)
	}
	if calls := srv.CallsTo("views.publish"); len(calls) != 2 || !calls[1].OK {
		t.Fatalf("views.publish calls: %+v", calls)
	}

	// A refusal: Slack's error and its messages reach the bot unchanged.
	refuse := slack.PublishViewContextRequest{UserID: "UNOBODY", View: view}
	_, wantErr := plain.PublishViewContext(ctx, refuse)
	_, gotErr := trimmed.PublishViewContext(ctx, refuse)
	if wantErr == nil || gotErr == nil || gotErr.Error() != wantErr.Error() {
		t.Fatalf("refused: got %v, want %v", gotErr, wantErr)
	}
	var want, have slack.SlackErrorResponse
	if !errors.As(wantErr, &want) || !errors.As(gotErr, &have) {
		t.Fatalf("refused: %T and %T, want slack.SlackErrorResponse", wantErr, gotErr)
	}
	if have.Err != "invalid_arguments" || len(have.ResponseMetadata.Messages) == 0 ||
		!slices.Equal(have.ResponseMetadata.Messages, want.ResponseMetadata.Messages) {
		t.Errorf("refused: %q %q, want %q %q", have.Err, have.ResponseMetadata.Messages, want.Err, want.ResponseMetadata.Messages)
	}
}
