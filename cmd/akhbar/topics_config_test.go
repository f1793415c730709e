package main

import (
	"os"
	"testing"

	"github.com/akhbar/akhbar/feeds"
	"github.com/google/go-cmp/cmp"
)

// TestExampleConfigTopics: the example config is valid, and a source's
// category map and breaking rule reach the bot.
func TestExampleConfigTopics(t *testing.T) {
	data, err := os.ReadFile("../../deploy/akhbar.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("akhbar.example.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	src := cfg.FeedSources()[0]
	if diff := cmp.Diff(map[string]string{"أخبار الأردن": "محليات", "كرة محلية": "رياضة"}, src.Categories); diff != "" {
		t.Errorf("categories mismatch (-want +got):\n%s", diff)
	}
	want := feeds.BreakingRule{Patterns: []string{"عاجل", "خبر عاجل"}, Categories: []string{"عاجل"}}
	if diff := cmp.Diff(want, src.Breaking); diff != "" {
		t.Errorf("breaking rule mismatch (-want +got):\n%s", diff)
	}
}
