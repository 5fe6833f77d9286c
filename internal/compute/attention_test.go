package compute

import (
	"strings"
	"testing"
)

func TestAttention(t *testing.T) {
	tests := []struct {
		name string
		spec AttentionSpec
		want AttentionParams
	}{
		{
			// PyTorch nn.MultiheadAttention(512, 8): 4·512² + 4·512.
			name: "d_model 512, 8 heads, bias, output projection",
			spec: AttentionSpec{DModel: 512, NumHeads: 8, Bias: true, OutProj: true},
			want: AttentionParams{WeightShape: [2]int{512, 64}, PerMatrixParams: 64 * 513, PerHeadParams: 3 * 64 * 513, TotalParams: 1050624},
		},
		{
			name: "no bias: 4·d²",
			spec: AttentionSpec{DModel: 512, NumHeads: 8, OutProj: true},
			want: AttentionParams{WeightShape: [2]int{512, 64}, PerMatrixParams: 64 * 512, PerHeadParams: 3 * 64 * 512, TotalParams: 4 * 512 * 512},
		},
		{
			name: "heads only, with bias: 3·d·(d+1)",
			spec: AttentionSpec{DModel: 512, NumHeads: 8, Bias: true},
			want: AttentionParams{WeightShape: [2]int{512, 64}, PerMatrixParams: 32832, PerHeadParams: 98496, TotalParams: 787968},
		},
		{
			name: "one head",
			spec: AttentionSpec{DModel: 4, NumHeads: 1},
			want: AttentionParams{WeightShape: [2]int{4, 4}, PerMatrixParams: 16, PerHeadParams: 48, TotalParams: 48},
		},
		{
			// With an explicit d_k the heads need not divide d_model;
			// W_o maps h·d_k = 30 back to 10: 300 weights + 10 biases.
			name: "explicit d_k",
			spec: AttentionSpec{DModel: 10, NumHeads: 3, DK: 10, Bias: true, OutProj: true},
			want: AttentionParams{WeightShape: [2]int{10, 10}, PerMatrixParams: 110, PerHeadParams: 330, TotalParams: 990 + 310},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Attention(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Attention = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAttentionErrors(t *testing.T) {
	tests := []struct {
		name    string
		spec    AttentionSpec
		field   string
		message string
	}{
		{"heads do not divide d_model", AttentionSpec{DModel: 10, NumHeads: 3}, "num_heads", "does not divide"},
		{"zero d_model", AttentionSpec{DModel: 0, NumHeads: 1}, "d_model", "between 1"},
		{"zero heads", AttentionSpec{DModel: 8, NumHeads: 0}, "num_heads", "between 1"},
		{"negative d_k", AttentionSpec{DModel: 8, NumHeads: 2, DK: -1}, "d_k", "between 1"},
		{"huge d_model", AttentionSpec{DModel: MaxDimension + 1, NumHeads: 1}, "d_model", "between 1"},
		{"too many parameters", AttentionSpec{DModel: MaxDimension, NumHeads: MaxDimension, DK: MaxDimension}, "d_model", "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Attention(tt.spec)
			if f := fieldOf(t, err); f != tt.field {
				t.Errorf("field = %q, want %q (error %q)", f, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}
