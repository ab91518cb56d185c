package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// setEnv sets the variables for one test and removes every other okrbot
// variable, so the machine's environment cannot leak in.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "OKRBOT_DB", "OKRBOT_TIMEZONE",
		"OKRBOT_FISCAL_YEAR_START", "OKRBOT_CHECKIN_SCHEDULE", "OKRBOT_REMINDER_SCHEDULE", "OKRBOT_DIGEST_SCHEDULE",
		"OKRBOT_DIGEST_CHANNEL", "OKRBOT_ADMINS", "OKRBOT_MAX_OBJECTIVES_PER_OWNER", "OKRBOT_MIN_KEY_RESULTS",
		"OKRBOT_MAX_KEY_RESULTS", "OKRBOT_STALE_DAYS", "OKRBOT_HTTP_ADDR", "OKRBOT_LOG_LEVEL", "OKRBOT_LOG_FORMAT"} {
		if v, ok := vars[k]; ok {
			t.Setenv(k, v)
		} else {
			unsetenv(t, k)
		}
	}
}

var tokens = map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}

func with(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tokens {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func TestLoadConfig_Defaults(t *testing.T) {
	setEnv(t, tokens)
	c, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "https://slack.com/api/" || c.DB != "okrbot.db" || c.Location != time.UTC || c.FiscalMonth != time.January ||
		c.CheckinSchedule != "0 10 * * MON" || c.ReminderSchedule != "0 15 * * WED" || c.DigestSchedule != "0 16 * * FRI" ||
		c.MaxObjectivesPerOwner != 3 || c.MinKeyResults != 2 || c.MaxKeyResults != 5 || c.StaleDays != 14 || c.HTTPAddr != "" {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestLoadConfig_Values(t *testing.T) {
	setEnv(t, with(map[string]string{
		"SLACK_API_URL":                   "http://127.0.0.1:9999/api",
		"OKRBOT_TIMEZONE":                 "Europe/Berlin",
		"OKRBOT_FISCAL_YEAR_START":        "apr",
		"OKRBOT_CHECKIN_SCHEDULE":         "@every 5s",
		"OKRBOT_DIGEST_SCHEDULE":          "CRON_TZ=America/New_York 0 9 * * FRI",
		"OKRBOT_REMINDER_SCHEDULE":        "@daily",
		"OKRBOT_ADMINS":                   "U111, W222",
		"OKRBOT_DIGEST_CHANNEL":           "C0123",
		"OKRBOT_HTTP_ADDR":                "127.0.0.1:8080",
		"OKRBOT_LOG_LEVEL":                "debug",
		"OKRBOT_DB":                       "/tmp/x.db",
		"OKRBOT_STALE_DAYS":               "21",
		"OKRBOT_MIN_KEY_RESULTS":          "1",
		"OKRBOT_MAX_KEY_RESULTS":          "7",
		"OKRBOT_MAX_OBJECTIVES_PER_OWNER": "4",
	}))
	c, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "http://127.0.0.1:9999/api/" {
		t.Errorf("API URL = %q, want a trailing slash added", c.APIURL)
	}
	if c.Location.String() != "Europe/Berlin" || c.FiscalMonth != time.April || !slices.Equal(c.Admins, []string{"U111", "W222"}) ||
		c.Level.String() != "DEBUG" || c.StaleDays != 21 || c.MaxKeyResults != 7 {
		t.Errorf("config = %+v", c)
	}
}

func TestLoadConfig_ErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no tokens", map[string]string{}, "SLACK_BOT_TOKEN and SLACK_APP_TOKEN must be set"},
		{"tokens swapped", map[string]string{"SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN must be a bot token starting with xoxb-"},
		{"bad app token", with(map[string]string{"SLACK_APP_TOKEN": "xoxp-1"}), "SLACK_APP_TOKEN must be an app-level token"},
		{"bad url", with(map[string]string{"SLACK_API_URL": "slack.com"}), "SLACK_API_URL"},
		{"bad zone", with(map[string]string{"OKRBOT_TIMEZONE": "Mars/Olympus"}), "OKRBOT_TIMEZONE \"Mars/Olympus\" must be an IANA time zone"},
		{"bad month", with(map[string]string{"OKRBOT_FISCAL_YEAR_START": "13"}), "OKRBOT_FISCAL_YEAR_START"},
		{"bad checkin cron", with(map[string]string{"OKRBOT_CHECKIN_SCHEDULE": "every monday"}), "OKRBOT_CHECKIN_SCHEDULE \"every monday\" is not a cron schedule"},
		{"bad digest cron", with(map[string]string{"OKRBOT_DIGEST_SCHEDULE": "0 25 * * *"}), "OKRBOT_DIGEST_SCHEDULE"},
		{"bad reminder cron", with(map[string]string{"OKRBOT_REMINDER_SCHEDULE": "@every banana"}), "OKRBOT_REMINDER_SCHEDULE"},
		{"bad channel", with(map[string]string{"OKRBOT_DIGEST_CHANNEL": "#general"}), "OKRBOT_DIGEST_CHANNEL \"#general\" must be a channel ID"},
		{"bad admin", with(map[string]string{"OKRBOT_ADMINS": "U1,@ana"}), "OKRBOT_ADMINS has \"@ana\""},
		{"bad number", with(map[string]string{"OKRBOT_STALE_DAYS": "two weeks"}), "OKRBOT_STALE_DAYS \"two weeks\" must be a whole number."},
		{"bad limits", with(map[string]string{"OKRBOT_MIN_KEY_RESULTS": "6"}), "OKRBOT_MIN_KEY_RESULTS (6) must be 1 or more and at most OKRBOT_MAX_KEY_RESULTS (5)"},
		{"bad addr", with(map[string]string{"OKRBOT_HTTP_ADDR": "8080"}), "OKRBOT_HTTP_ADDR \"8080\" must be host:port"},
		{"bad level", with(map[string]string{"OKRBOT_LOG_LEVEL": "loud"}), "OKRBOT_LOG_LEVEL \"loud\" must be debug, info, warn or error."},
		{"bad log format", with(map[string]string{"OKRBOT_LOG_FORMAT": "xml"}), "OKRBOT_LOG_FORMAT \"xml\" must be json (one JSON object a line) or text (key=value)."},
		{"bad db", with(map[string]string{"OKRBOT_DB": "a?b"}), "OKRBOT_DB must be a file path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			_, err := LoadConfig()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("LoadConfig = %v, want a *ConfigError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "README.md") {
				t.Fatalf("error:\n%v\nwant it to contain %q and point at README.md", err, tt.want)
			}
		})
	}
}
