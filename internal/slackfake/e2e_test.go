package slackfake

import (
	"context"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// okrApp is a small socket-mode bot written the way okrbot's is: one event
// loop, ack first, slow work in a goroutine. It calls the Web API through the
// socketmode.Client, which embeds slack.Client.
type okrApp struct {
	t *testing.T
	// work is the slow work in flight; the test waits for it before it
	// ends, so that closing the emulator does not cut an answer short.
	work sync.WaitGroup
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func (b *okrApp) handle(c *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			b.t.Errorf("slash command data %T", evt.Data)
			return
		}
		_ = c.Ack(*evt.Request)
		b.work.Go(func() { b.openModal(c, cmd) })
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			b.t.Errorf("interaction data %T", evt.Data)
			return
		}
		switch cb.Type {
		case slack.InteractionTypeViewSubmission:
			b.submit(c, evt.Request, cb)
		case slack.InteractionTypeBlockActions:
			_ = c.Ack(*evt.Request)
			b.work.Go(func() {
				_, _, _, err := c.SendMessageContext(context.Background(), "",
					slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Objective approved by <@"+cb.User.ID+">", false))
				if err != nil {
					b.t.Errorf("response_url: %v", err)
				}
			})
		default:
			_ = c.Ack(*evt.Request)
		}
	}
}

func (b *okrApp) openModal(c *socketmode.Client, cmd slack.SlashCommand) {
	title := slack.NewPlainTextInputBlockElement(plain("Increase weekly active teams"), "title_input")
	title.MaxLength = 150
	target := slack.NewNumberInputBlockElement(nil, "target_input", false)
	level := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick a level"), "level_select",
		slack.NewOptionBlockObject("company", plain("Company"), nil),
		slack.NewOptionBlockObject("team", plain("Team"), nil))
	owner := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, nil, "owner_select")
	owner.InitialUser = cmd.UserID
	view := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain("New objective"),
		Submit:          plain("Create"),
		Close:           plain("Cancel"),
		CallbackID:      "okr_new",
		PrivateMetadata: cmd.ChannelID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewHeaderBlock(plain("Draft an objective")),
			slack.NewInputBlock("title", plain("Title"), nil, title),
			slack.NewInputBlock("target", plain("Target"), nil, target),
			slack.NewInputBlock("level", plain("Level"), nil, level),
			slack.NewInputBlock("owner", plain("Owner"), nil, owner),
		}},
	}
	if _, err := c.OpenViewContext(context.Background(), cmd.TriggerID, view); err != nil {
		b.t.Errorf("views.open: %v", err)
	}
}

func (b *okrApp) submit(c *socketmode.Client, req *socketmode.Request, cb slack.InteractionCallback) {
	values := cb.View.State.Values
	title := values["title"]["title_input"].Value
	level := values["level"]["level_select"].SelectedOption.Value
	owner := values["owner"]["owner_select"].SelectedUser
	if utf8.RuneCountInString(title) < 3 {
		_ = c.Ack(*req, slack.NewErrorsViewSubmissionResponse(map[string]string{"title": "Title must be at least 3 characters."}))
		return
	}
	_ = c.Ack(*req)
	channel := cb.View.PrivateMetadata
	b.work.Go(func() {
		_, _, err := c.PostMessageContext(context.Background(), channel,
			slack.MsgOptionText("New objective: "+title, false),
			slack.MsgOptionBlocks(
				slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+title+"*", false, false),
					[]*slack.TextBlockObject{
						slack.NewTextBlockObject(slack.MarkdownType, "Level: "+level, false, false),
						slack.NewTextBlockObject(slack.MarkdownType, "Owner: <@"+owner+">", false, false),
					}, nil),
				slack.NewActionBlock("review", slack.NewButtonBlockElement("approve", "obj-1", plain("Approve"))),
			))
		if err != nil {
			b.t.Errorf("chat.postMessage: %v", err)
		}
	})
}

func TestEndToEnd_SlashCommandModalErrorsThenMessage(t *testing.T) {
	srv := newServer(t, Options{})
	mustAddUser(t, srv, User{ID: "U1", Name: "ana", RealName: "Ana Lima", TZ: "Europe/Berlin"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	bot := &okrApp{t: t}
	a := startApp(t, srv, bot.handle)
	defer bot.work.Wait()
	waitFor(t, srv, "the bot's socket", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	ctx := ctxT(t)

	// 1. /okr new → the bot acks at once and opens a modal with the trigger.
	res, err := srv.SlashCommand(ctx, "U1", "C1", "/okr", "new")
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut || res.Payload != nil {
		t.Fatalf("slash ack %+v", res)
	}
	waitFor(t, srv, "the modal", func() bool { return srv.TopView("U1") != nil })
	v := srv.TopView("U1")
	if v.CallbackID != "okr_new" || v.PrivateMetadata != "C1" {
		t.Errorf("modal %+v", v)
	}
	want := strings.Join([]string{
		"== New objective ==",
		"# Draft an objective",
		"Title: (Increase weekly active teams)",
		"Target: ()",
		"Level: (Pick a level)",
		"Owner: @ana",
		"[Cancel] [Create]",
		"",
	}, "\n")
	if got := srv.RenderView(v); got != want {
		t.Errorf("modal renders as\n%s\nwant\n%s", got, want)
	}

	// 2. The client refuses an empty required field before anything is sent.
	if _, err := srv.SubmitView(ctx, "U1", Inputs{"Title": "Grow", "Target": "10"}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Fatalf("submitting without a level: %v", err)
	}

	// 3. An invalid title: the bot answers response_action errors, the view stays
	// with the error under the field and what was typed kept.
	res, err = srv.SubmitView(ctx, "U1", Inputs{"Title": "Go", "Target": "10", "Level": "Company"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseAction != "errors" || res.Errors["title"] == "" {
		t.Fatalf("ack %+v", res)
	}
	v = srv.TopView("U1")
	if v == nil || v.Errors["title"] != "Title must be at least 3 characters." {
		t.Fatalf("view after errors: %+v", v)
	}
	if got := srv.RenderView(v); !strings.Contains(got, "Title: Go\n  ! Title must be at least 3 characters.\n") || !strings.Contains(got, "Level: Company") {
		t.Errorf("rendered with errors:\n%s", got)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Fatalf("%d messages before a valid submission", n)
	}

	// 4. A valid title: the view closes and the bot posts to the channel.
	res, err = srv.SubmitView(ctx, "U1", Inputs{"title/title_input": "Grow revenue"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseAction != "" || srv.TopView("U1") != nil {
		t.Fatalf("after a valid submit: ack %+v, view %+v", res, srv.TopView("U1"))
	}
	waitFor(t, srv, "the objective message", func() bool { return len(srv.Messages("C1")) == 1 })
	m := srv.Messages("C1")[0]
	if m.Text != "New objective: Grow revenue" || m.BotID != srv.BotID() {
		t.Errorf("message %+v", m)
	}
	wantMsg := "*Grow revenue*\n  Level: company\n  Owner: <@U1>\n[Approve]\n"
	if got := RenderMessage(m); got != wantMsg {
		t.Errorf("message renders as\n%q\nwant\n%q", got, wantMsg)
	}

	// 5. The button on that message, answered through response_url.
	if _, err := srv.ClickButton(ctx, "U1", MessageRef{Channel: "C1", TS: m.TS}, "approve", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv, "the replaced message", func() bool { return len(srv.Messages("C1")[0].Versions) == 2 })
	m = srv.Messages("C1")[0]
	if m.Text != "Objective approved by <@U1>" || len(m.Blocks) != 0 {
		t.Errorf("after replace_original: %+v", m)
	}
	if vs := srv.Violations(); len(vs) != 0 {
		t.Errorf("violations: %+v", vs)
	}
}
