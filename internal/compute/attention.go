package compute

import "fmt"

// AttentionSpec describes multi-head attention as the recitation draws it:
// each of NumHeads heads has its own W_q, W_k and W_v of shape d_model×d_k.
type AttentionSpec struct {
	DModel   int  // d_model, the size of each input vector
	NumHeads int  // h, the number of heads
	DK       int  // d_k per head; 0 means DModel/NumHeads, which must then divide evenly
	Bias     bool // each projection has a bias vector
	OutProj  bool // include the output projection W_o that mixes the concatenated heads
}

// AttentionParams holds the parameter counts of a multi-head attention layer.
type AttentionParams struct {
	WeightShape     [2]int // [d_model, d_k] for each W_q, W_k, W_v per head
	PerMatrixParams int64  // d_k·(d_model+1) with bias, d_k·d_model without
	PerHeadParams   int64  // 3·PerMatrixParams (W_q, W_k and W_v)
	// TotalParams is PerHeadParams·h, plus, with OutProj, the output
	// projection W_o: (h·d_k)·d_model weights and d_model biases with Bias.
	TotalParams int64
}

// Attention counts the parameters of multi-head attention. With
// d_k = d_model/h, Bias and OutProj it matches PyTorch's
// nn.MultiheadAttention: 4·d_model² + 4·d_model (1050624 for d_model = 512,
// h = 8). Errors are *Error naming "d_model", "num_heads" or "d_k".
func Attention(s AttentionSpec) (AttentionParams, error) {
	p, err := attention(s)
	if err != nil {
		return AttentionParams{}, fmt.Errorf("attention: %w", err)
	}
	return p, nil
}

// attention is Attention with a concrete error type.
func attention(s AttentionSpec) (AttentionParams, *Error) {
	for _, a := range [...]struct {
		field string
		v     int
	}{{"d_model", s.DModel}, {"num_heads", s.NumHeads}} {
		if a.v < 1 || a.v > MaxDimension {
			return AttentionParams{}, errorf(a.field, "is %d; it must be between 1 and %d", a.v, MaxDimension)
		}
	}
	dk := s.DK
	switch {
	case dk < 0 || dk > MaxDimension:
		return AttentionParams{}, errorf("d_k", "is %d; it must be between 1 and %d, or 0 for d_model/num_heads", dk, MaxDimension)
	case dk == 0 && s.DModel%s.NumHeads != 0:
		return AttentionParams{}, errorf("num_heads", "%d does not divide d_model (%d), so d_k = d_model/num_heads is not a whole number; choose a divisor of d_model or give d_k", s.NumHeads, s.DModel)
	case dk == 0:
		dk = s.DModel / s.NumHeads
	}
	d, h, k := int64(s.DModel), int64(s.NumHeads), int64(dk)

	rows := d // one weight row per input feature ...
	if s.Bias {
		rows++ // ... plus the bias, which acts like a row fed a constant 1.
	}
	perMatrix, ok := mulBounded(k, rows)
	perHead, ok2 := mulBounded(3, perMatrix)
	total, ok3 := mulBounded(h, perHead)
	ok = ok && ok2 && ok3
	if ok && s.OutProj {
		// W_o maps the h·d_k concatenated head outputs back to d_model.
		var wo int64
		wo, ok = mulBounded(h, k, d)
		if ok && s.Bias {
			wo, ok = addBounded(wo, d)
		}
		if ok {
			total, ok = addBounded(total, wo)
		}
	}
	if !ok {
		return AttentionParams{}, errorf("d_model", "the layer would have more than %d parameters", MaxParams)
	}
	return AttentionParams{
		WeightShape:     [2]int{s.DModel, dk},
		PerMatrixParams: perMatrix,
		PerHeadParams:   perHead,
		TotalParams:     total,
	}, nil
}
