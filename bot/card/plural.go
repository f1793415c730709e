package card

import (
	"fmt"
	"strings"
)

// Plural is a counted phrase in each form a count gives its noun, as
// CLDR's plural categories name them. Arabic uses all six: «لا أخبار»
// (0), «خبر واحد» (1), «خبران» (2), «3 أخبار» (3–10), «11 خبراً» (11–99)
// and «100 خبر» (100, 101, 102, and so on); each by the count's last two
// digits past 100, so 103 is «103 أخبار» and 111 «111 خبراً». English
// uses One and Other. A form left empty falls back to Other. Each form is
// a format of the count (%d), or the words alone where they say the
// number («خبران جديدان»).
//
// The Arabic dual and the 11–99 form change with the phrase's case
// («بقيت محادثتان», «إلى محادثتين»): a Plural is written for one place
// in a sentence.
type Plural struct{ Zero, One, Two, Few, Many, Other string }

// Format writes the phrase for n.
func (p Plural) Format(n int) string {
	f := p.Other
	switch r := n % 100; {
	case n == 0 && p.Zero != "":
		f = p.Zero
	case n == 1 && p.One != "":
		f = p.One
	case n == 2 && p.Two != "":
		f = p.Two
	case n > 2 && r >= 3 && r <= 10 && p.Few != "":
		f = p.Few
	case n > 2 && r >= 11 && r <= 99 && p.Many != "":
		f = p.Many
	}
	if strings.Contains(f, "%d") {
		return fmt.Sprintf(f, n)
	}
	return f
}
