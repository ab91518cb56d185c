package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/okrbot/okrbot/okr"
)

// Config is okrbot's configuration, read from the environment. Every field
// has a default that works except the two Slack tokens. README.md documents
// each variable; keep the two in step.
type Config struct {
	BotToken string `envconfig:"SLACK_BOT_TOKEN"`
	AppToken string `envconfig:"SLACK_APP_TOKEN"`
	APIURL   string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/"`

	DB       string `envconfig:"OKRBOT_DB" default:"okrbot.db"`
	Timezone string `envconfig:"OKRBOT_TIMEZONE" default:"UTC"`
	// FiscalYearStart is the month the fiscal year (and so Q1) begins.
	FiscalYearStart string `envconfig:"OKRBOT_FISCAL_YEAR_START" default:"January"`

	CheckinSchedule  string `envconfig:"OKRBOT_CHECKIN_SCHEDULE" default:"0 10 * * MON"`
	ReminderSchedule string `envconfig:"OKRBOT_REMINDER_SCHEDULE" default:"0 15 * * WED"`
	DigestSchedule   string `envconfig:"OKRBOT_DIGEST_SCHEDULE" default:"0 16 * * FRI"`
	NudgeSchedule    string `envconfig:"OKRBOT_NUDGE_SCHEDULE" default:"0 11 * * MON-FRI"`
	DigestChannel    string `envconfig:"OKRBOT_DIGEST_CHANNEL"`
	// CatchUp is how late a job missed while okrbot was down may still run.
	CatchUp time.Duration `envconfig:"OKRBOT_CATCHUP_WINDOW" default:"12h"`
	// PostsPerMinute paces the messages okrbot posts, below Slack's limit.
	PostsPerMinute int `envconfig:"OKRBOT_POSTS_PER_MINUTE" default:"240"`

	Admins []string `envconfig:"OKRBOT_ADMINS"`

	MaxObjectivesPerOwner int `envconfig:"OKRBOT_MAX_OBJECTIVES_PER_OWNER" default:"3"`
	MinKeyResults         int `envconfig:"OKRBOT_MIN_KEY_RESULTS" default:"2"`
	MaxKeyResults         int `envconfig:"OKRBOT_MAX_KEY_RESULTS" default:"5"`
	StaleDays             int `envconfig:"OKRBOT_STALE_DAYS" default:"14"`

	HTTPAddr  string `envconfig:"OKRBOT_HTTP_ADDR"`
	LogLevel  string `envconfig:"OKRBOT_LOG_LEVEL" default:"info"`
	LogFormat string `envconfig:"OKRBOT_LOG_FORMAT" default:"json"`

	// Derived by Load from the strings above.
	Location    *time.Location `ignored:"true"`
	FiscalMonth time.Month     `ignored:"true"`
	Level       slog.Level     `ignored:"true"`
}

// ConfigError is a configuration problem, worded for the person starting
// okrbot: it names the variable and what it accepts.
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string {
	return "okrbot is not configured correctly:\n  - " + strings.Join(e.Problems, "\n  - ") +
		"\nSee the Configuration section of README.md."
}

// LoadConfig reads the configuration from the environment and checks every
// value, reporting all the problems it finds at once.
func LoadConfig() (*Config, error) { return loadConfig(true) }

// LoadOfflineConfig is LoadConfig for the subcommands that read the
// database and the settings but never talk to Slack: the tokens may be
// missing.
func LoadOfflineConfig() (*Config, error) { return loadConfig(false) }

func loadConfig(needTokens bool) (*Config, error) {
	var c Config
	var problems []string
	if err := envconfig.Process("", &c); err != nil {
		// envconfig stops at its first error and leaves later fields
		// empty; checking those would only add misleading problems.
		return nil, &ConfigError{Problems: []string{friendlyParseError(err)}}
	}
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}

	check(!needTokens || c.BotToken != "" && c.AppToken != "",
		"SLACK_BOT_TOKEN and SLACK_APP_TOKEN must be set: the bot token (xoxb-...) from OAuth & Permissions and an app-level token (xapp-...) with connections:write from Basic Information. README.md shows how to create the Slack app from manifest.yml and get both.")
	check(c.BotToken == "" || strings.HasPrefix(c.BotToken, "xoxb-"), "SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
	check(c.AppToken == "" || strings.HasPrefix(c.AppToken, "xapp-"), "SLACK_APP_TOKEN must be an app-level token starting with xapp-.")

	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("SLACK_API_URL %q must be an http(s) URL such as https://slack.com/api/.", c.APIURL))
	} else if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/" // slack-go joins method names by plain concatenation
	}

	check(strings.TrimSpace(c.DB) != "" && !strings.ContainsRune(c.DB, '?'), "OKRBOT_DB must be a file path without '?'.")

	loc, err := time.LoadLocation(c.Timezone)
	check(err == nil && c.Timezone != "Local", "OKRBOT_TIMEZONE %q must be an IANA time zone such as Europe/Berlin or UTC.", c.Timezone)
	c.Location = loc

	month, ok := parseMonth(c.FiscalYearStart)
	check(ok, "OKRBOT_FISCAL_YEAR_START %q must be a month: 1-12, or a name such as April.", c.FiscalYearStart)
	c.FiscalMonth = month

	for _, s := range []struct{ name, spec string }{
		{"OKRBOT_CHECKIN_SCHEDULE", c.CheckinSchedule},
		{"OKRBOT_REMINDER_SCHEDULE", c.ReminderSchedule},
		{"OKRBOT_DIGEST_SCHEDULE", c.DigestSchedule},
		{"OKRBOT_NUDGE_SCHEDULE", c.NudgeSchedule},
	} {
		check(okr.CheckSchedule(s.spec) == nil, "%s %q is not a cron schedule: use five fields such as \"0 10 * * MON\", or @every 1h, @daily.", s.name, s.spec)
	}
	check(c.CatchUp >= 0 && c.CatchUp <= 7*24*time.Hour, "OKRBOT_CATCHUP_WINDOW %s must be between 0 and 168h, such as 12h.", c.CatchUp)
	check(c.PostsPerMinute >= 1 && c.PostsPerMinute <= 6000, "OKRBOT_POSTS_PER_MINUTE (%d) must be from 1 to 6000; Slack allows several hundred a minute.", c.PostsPerMinute)

	check(c.DigestChannel == "" || isSlackID(c.DigestChannel, "CG"),
		"OKRBOT_DIGEST_CHANNEL %q must be a channel ID such as C0123456789 (in Slack: channel details, at the bottom).", c.DigestChannel)
	for _, id := range c.Admins {
		check(isSlackID(strings.TrimSpace(id), "UW"), "OKRBOT_ADMINS has %q; it takes Slack user IDs such as U0123456789, separated by commas.", id)
	}
	for i := range c.Admins {
		c.Admins[i] = strings.TrimSpace(c.Admins[i])
	}

	check(c.MaxObjectivesPerOwner >= 1, "OKRBOT_MAX_OBJECTIVES_PER_OWNER must be 1 or more.")
	check(c.MinKeyResults >= 1 && c.MaxKeyResults >= c.MinKeyResults,
		"OKRBOT_MIN_KEY_RESULTS (%d) must be 1 or more and at most OKRBOT_MAX_KEY_RESULTS (%d).", c.MinKeyResults, c.MaxKeyResults)
	check(c.StaleDays >= 1, "OKRBOT_STALE_DAYS must be 1 or more.")

	if c.HTTPAddr != "" {
		_, _, err := net.SplitHostPort(c.HTTPAddr)
		check(err == nil, "OKRBOT_HTTP_ADDR %q must be host:port such as :8080 or 127.0.0.1:8080, or empty to turn it off.", c.HTTPAddr)
	}
	if err := c.Level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		problems = append(problems, fmt.Sprintf("OKRBOT_LOG_LEVEL %q must be debug, info, warn or error.", c.LogLevel))
	}
	c.LogFormat = strings.ToLower(strings.TrimSpace(c.LogFormat))
	check(c.LogFormat == "json" || c.LogFormat == "text", "OKRBOT_LOG_FORMAT %q must be json (one JSON object a line) or text (key=value).", c.LogFormat)

	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return &c, nil
}

// friendlyParseError turns envconfig's conversion error into a sentence
// that names the variable.
func friendlyParseError(err error) string {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	what := "a valid value"
	switch pe.TypeName {
	case "int":
		what = "a whole number"
	case "Duration":
		what = "a duration such as 12h or 90m"
	case "[]string":
		what = "a comma-separated list"
	}
	return fmt.Sprintf("%s %q must be %s.", pe.KeyName, pe.Value, what)
}

func parseMonth(s string) (time.Month, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return time.Month(n), n >= 1 && n <= 12
	}
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if l := strings.ToLower(s); len(l) >= 3 && strings.HasPrefix(name, l) {
			return m, true
		}
	}
	return 0, false
}

// isSlackID reports whether s looks like a Slack ID starting with one of
// the given letters (U or W for users, C or G for channels).
func isSlackID(s, prefixes string) bool {
	if len(s) < 2 || len(s) > 20 || !strings.ContainsRune(prefixes, rune(s[0])) {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
