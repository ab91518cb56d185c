package slackfake

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
)

// TestValidate_AcceptsWhatSlackGoBuilds guards against false alarms: blocks and
// views built with slack-go's constructors, marshalled by slack-go itself, must
// be accepted (slack-go sends some absent fields as null, e.g. "options").
func TestValidate_AcceptsWhatSlackGoBuilds(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	api := newAPI(srv)
	ctx := context.Background()
	o1 := slack.NewOptionBlockObject("a", plain("A"), nil)
	o2 := slack.NewOptionBlockObject("b", plain("B"), plain("the b"))
	group := slack.NewOptionGroupBlockElement(plain("Group"), o1, o2)
	conf := slack.NewConfirmationBlockObject(plain("Sure?"), slack.NewTextBlockObject(slack.MarkdownType, "*Really*", false, false), plain("Yes"), plain("No"))
	btn := slack.NewButtonBlockElement("btn", "v", plain("Go")).WithStyle(slack.StylePrimary).WithConfirm(conf)
	static := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick"), "static", o1, o2)
	static.InitialOption = o1
	grouped := slack.NewOptionsGroupSelectBlockElement(slack.OptTypeStatic, plain("Pick"), "grouped", group)
	multi := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Pick"), "multi", o1, o2)
	multi.InitialOptions = []*slack.OptionBlockObject{o2}
	external := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain("Search"), "ext")
	users := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plain("Who"), "user")
	convs := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("Where"), "conv")
	channels := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeChannels, plain("Where"), "chans")
	overflow := slack.NewOverflowBlockElement("more", o1, o2)
	date := slack.NewDatePickerBlockElement("date")
	date.InitialDate = "2026-09-30"
	tp := slack.NewTimePickerBlockElement("time")
	tp.InitialTime = "09:30"
	checks := slack.NewCheckboxGroupsBlockElement("checks", o1, o2)
	radio := slack.NewRadioButtonsBlockElement("radio", o1, o2)

	message := []slack.Block{
		slack.NewHeaderBlock(plain("Header")),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*text*", false, false),
			[]*slack.TextBlockObject{plain("f1"), slack.NewTextBlockObject(slack.MarkdownType, "f2", false, false)},
			slack.NewAccessory(btn)),
		slack.NewSectionBlock(plain("img"), nil, slack.NewAccessory(slack.NewImageBlockElement("https://example.com/a.png", "a"))),
		slack.NewDividerBlock(),
		slack.NewContextBlock("ctx", plain("c1"), slack.NewImageBlockElement("https://example.com/a.png", "a")),
		slack.NewActionBlock("acts", slack.NewButtonBlockElement("b2", "", plain("Plain")), static, grouped, multi, external, users, convs, channels, overflow, date, tp, checks, radio),
		slack.NewImageBlock("https://example.com/a.png", "alt", "img", plain("Title")),
		slack.NewRichTextBlock("rich", slack.NewRichTextSection(slack.NewRichTextSectionTextElement("hello", nil))),
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(message...)); err != nil {
		t.Fatalf("chat.postMessage with slack-go blocks: %v (%+v)", err, srv.Violations())
	}

	num := slack.NewNumberInputBlockElement(nil, "num", true)
	num.MinValue, num.MaxValue = "0", "100"
	text := slack.NewPlainTextInputBlockElement(plain("Type"), "text")
	text.Multiline, text.MinLength, text.MaxLength = true, 1, 3000
	modal := slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("Everything"), Submit: plain("Save"), Close: plain("Cancel"),
		CallbackID: "cb", PrivateMetadata: "pm", NotifyOnClose: true, ClearOnClose: true, ExternalID: "every-1",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("i1", plain("Text"), plain("A hint"), text),
			slack.NewInputBlock("i2", plain("Email"), nil, slack.NewEmailTextInputBlockElement(nil, "email")),
			slack.NewInputBlock("i3", plain("URL"), nil, slack.NewURLTextInputBlockElement(nil, "url")),
			slack.NewInputBlock("i4", plain("Number"), nil, num),
			slack.NewInputBlock("i5", plain("Static"), nil, static),
			slack.NewInputBlock("i6", plain("Grouped"), nil, grouped),
			slack.NewInputBlock("i7", plain("Multi"), nil, multi),
			slack.NewInputBlock("i8", plain("External"), nil, external),
			slack.NewInputBlock("i9", plain("User"), nil, users),
			slack.NewInputBlock("i10", plain("Date"), nil, date),
			slack.NewInputBlock("i11", plain("Time"), nil, tp),
			slack.NewInputBlock("i12", plain("Date time"), nil, slack.NewDateTimePickerBlockElement("dt")),
			slack.NewInputBlock("i13", plain("Checks"), nil, checks),
			slack.NewInputBlock("i14", plain("Radio"), nil, radio),
			slack.NewInputBlock("i15", plain("Rich"), nil, slack.NewRichTextInputBlockElement(nil, "rich")),
			slack.NewSectionBlock(plain("section"), nil, nil),
		}},
	}
	if _, err := api.OpenViewContext(ctx, srv.testTrigger("U1", ""), modal); err != nil {
		t.Fatalf("views.open with slack-go blocks: %v (%+v)", err, srv.Violations())
	}
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: message}, CallbackID: "home"}
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: home}); err != nil {
		t.Fatalf("views.publish with slack-go blocks: %v (%+v)", err, srv.Violations())
	}
	if vs := srv.Violations(); len(vs) != 0 {
		t.Errorf("violations: %+v", vs)
	}
}
