package chat

import "testing"

// TestCallbackRoundTrip: every kind encodes to the wire string its buttons
// have always carried (messages already sent keep them) and decodes back
// to itself and its argument; no kind is left out of the table.
func TestCallbackRoundTrip(t *testing.T) {
	cases := []struct {
		kind  Kind
		parts []string
		wire  string
		arg   string
	}{
		{KindMenu, []string{"help"}, "menu:help", "help"},
		{KindPage, []string{"3"}, "p:3", "3"},
		{KindSet, []string{"mode", "daily"}, "set:mode:daily", "mode:daily"},
		{KindSet, []string{"tz"}, "set:tz", "tz"},
		{KindStop, []string{"yes"}, "stop:yes", "yes"},
		{KindLatest, []string{"", "5", "10"}, "l::5:10", ":5:10"},
		{KindLatest, []string{"s:s0", "5", "0"}, "l:s:s0:5:0", "s:s0:5:0"},
		{KindToggle, []string{"t0"}, "t:t0", "t0"},
		{KindToggle, []string{"b:all"}, "t:b:all", "b:all"},
		{KindUnsub, []string{"s:s0"}, "u:s:s0", "s:s0"},
		{KindShareOpen, []string{"i_abc"}, "sh:i_abc", "i_abc"},
		{KindShareBack, []string{"i_abc"}, "sb:i_abc", "i_abc"},
		{KindSearch, []string{"tok", "10"}, "q:tok:10", "tok:10"},
		{KindOperator, []string{"dr:1-0"}, "op:dr:1-0", "dr:1-0"},
	}
	seen := map[Kind]bool{}
	for _, c := range cases {
		if got := CallbackData(c.kind, c.parts...); got != c.wire {
			t.Errorf("CallbackData(%v, %q) = %q, the wire string is %q", c.kind, c.parts, got, c.wire)
		}
		if k, arg := DecodeCallback(c.wire); k != c.kind || arg != c.arg {
			t.Errorf("DecodeCallback(%q) = %v %q, want %v %q", c.wire, k, arg, c.kind, c.arg)
		}
		seen[c.kind] = true
	}
	for _, k := range Kinds() {
		if k.String() == "" {
			t.Errorf("kind %d has no prefix", k)
		}
		if !seen[k] {
			t.Errorf("kind %q has no round trip case", k)
		}
	}
	if got, want := PageCallback(2), "p:2"; got != want {
		t.Errorf("PageCallback(2) = %q, want %q", got, want)
	}
	if got, want := LatestPageCallback("t1", 5, 5), "l:t1:5:5"; got != want {
		t.Errorf("LatestPageCallback = %q, want %q", got, want)
	}
}

// TestDecodeCallbackUnknown: data no button makes is no kind, and the
// search and operator kinds need their ":" as their routes always did.
func TestDecodeCallbackUnknown(t *testing.T) {
	for _, data := range []string{"", "x", "x:1", "op", "q", "menus:help", ":p"} {
		if k, _ := DecodeCallback(data); k != KindUnknown {
			t.Errorf("DecodeCallback(%q) = %v, want unknown", data, k)
		}
	}
	// The router read the prefix before a ":" or the whole data, so a
	// bare "menu" was the help menu and stays so.
	if k, arg := DecodeCallback("menu"); k != KindMenu || arg != "" {
		t.Errorf(`DecodeCallback("menu") = %v %q`, k, arg)
	}
}
