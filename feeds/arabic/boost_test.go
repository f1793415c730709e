package arabic

import (
	"math"
	"slices"
)

// boostOpts are the settings of boostTrees.
type boostOpts struct {
	rounds   int
	eta      float64 // shrinkage of each tree
	lambda   float64 // L2 penalty on a leaf, in sentences' worth of Hessian
	minLeaf  float64 // least Hessian in a leaf, in sentences' worth
	pairwise bool    // the pairwise ranking loss (else cross-entropy on the labels)
	bins     int     // candidate thresholds per feature (quantiles)
}

// boostTrees fits depth-2 regression trees by gradient boosting (Newton steps, as
// XGBoost) on top of the linear score w·x: each tree's root is the best single split, and
// each side then its own best split.
func boostTrees(docs []fitDoc, w [numFeatures]float64, o boostOpts) []tree {
	type row struct {
		x    *[numFeatures]float64
		y    float64
		doc  int
		z    float64
		g, h float64
	}
	var rows []row
	starts := []int{0}
	for di := range docs {
		for i := range docs[di].x {
			x := &docs[di].x[i]
			z := 0.0
			for k := range x {
				z += w[k] * x[k]
			}
			rows = append(rows, row{x: x, y: docs[di].y[i], doc: di, z: z})
		}
		starts = append(starts, len(rows))
	}
	if len(rows) == 0 {
		return nil
	}
	// Candidate thresholds: the feature's quantiles (midpoints between distinct values).
	var thr [numFeatures][]float64
	vals := make([]float64, len(rows))
	for k := range numFeatures {
		for i := range rows {
			vals[i] = rows[i].x[k]
		}
		slices.Sort(vals)
		for q := 1; q < o.bins; q++ {
			a := vals[q*len(vals)/o.bins-1]
			b := vals[q*len(vals)/o.bins]
			if a < b && (len(thr[k]) == 0 || thr[k][len(thr[k])-1] < (a+b)/2) {
				thr[k] = append(thr[k], (a+b)/2)
			}
		}
	}
	var trees []tree
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	for range o.rounds {
		for i := range rows {
			rows[i].g, rows[i].h = 0, 0
		}
		if o.pairwise {
			for di := range docs {
				rs := rows[starts[di]:starts[di+1]]
				wn := 1 / float64(len(rs))
				for i := range rs {
					for j := range rs {
						dy := rs[i].y - rs[j].y
						if dy < pairMinDiff {
							continue
						}
						p := 1 / (1 + math.Exp(-(rs[i].z - rs[j].z)))
						wt := dy * wn
						rs[i].g -= wt * (1 - p)
						rs[j].g += wt * (1 - p)
						rs[i].h += wt * p * (1 - p)
						rs[j].h += wt * p * (1 - p)
					}
				}
			}
		} else {
			for i := range rows {
				p := 1 / (1 + math.Exp(-rows[i].z))
				rows[i].g, rows[i].h = p-rows[i].y, p*(1-p)
			}
		}
		totalH := 0.0
		for i := range rows {
			totalH += rows[i].h
		}
		unit := totalH / float64(len(rows))
		lam, minH := o.lambda*unit, o.minLeaf*unit
		score := func(g, h float64) float64 { return g * g / (h + lam) }
		// best returns the best split of the rows in set: feature, threshold, gain.
		best := func(set []int) (int, float64, float64) {
			G, H := 0.0, 0.0
			for _, i := range set {
				G += rows[i].g
				H += rows[i].h
			}
			bf, bt, bg := 0, math.Inf(1), 0.0
			for k := range numFeatures {
				n := len(thr[k])
				if n == 0 {
					continue
				}
				hg := make([]float64, n+1)
				hh := make([]float64, n+1)
				for _, i := range set {
					b, _ := slices.BinarySearch(thr[k], rows[i].x[k]) // values ≤ thr[b-1]… bin b
					hg[b] += rows[i].g
					hh[b] += rows[i].h
				}
				gl, hl := 0.0, 0.0
				for b := range n {
					gl += hg[b]
					hl += hh[b]
					if hl < minH || H-hl < minH {
						continue
					}
					if g := score(gl, hl) + score(G-gl, H-hl) - score(G, H); g > bg {
						bf, bt, bg = k, thr[k][b], g
					}
				}
			}
			return bf, bt, bg
		}
		leaf := func(set []int) float64 {
			G, H := 0.0, 0.0
			for _, i := range set {
				G += rows[i].g
				H += rows[i].h
			}
			return -o.eta * G / (H + lam)
		}
		f, t, g := best(idx)
		if g <= 0 {
			break
		}
		tr := tree{f: uint8(f), t: t}
		var sides [2][]int
		for _, i := range idx {
			s := 0
			if rows[i].x[f] > t {
				s = 1
			}
			sides[s] = append(sides[s], i)
		}
		for s := range 2 {
			f2, t2, g2 := best(sides[s])
			if g2 <= 0 {
				f2, t2 = f, math.Inf(1) // no second split: both leaves the same
			}
			tr.f2[s], tr.t2[s] = uint8(f2), t2
			var parts [2][]int
			for _, i := range sides[s] {
				p := 0
				if rows[i].x[f2] > t2 {
					p = 1
				}
				parts[p] = append(parts[p], i)
			}
			for p := range 2 {
				tr.v[2*s+p] = leaf(parts[p])
			}
		}
		for i := range rows {
			rows[i].z += tr.eval(rows[i].x)
		}
		trees = append(trees, tr)
	}
	return trees
}
