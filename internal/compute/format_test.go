package compute

import (
	"math"
	"testing"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{-22, "-22"},
		{7, "7"},
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{0.25, "0.25"},
		{-1.5, "-1.5"},
		{2.5e-7, "2.5e-07"},
		{1.0 / 3, "0.333333333333"},
		{0.1 + 0.2, "0.3"},
		{123456.5, "123456.5"},
		{405050, "405050"},
		{1050624, "1050624"},
		{1e15, "1000000000000000"},
		{1e21, "1e+21"},
		{1234567890123.5, "1.23456789012e+12"},
		{math.Inf(1), "∞"},
		{math.Inf(-1), "-∞"},
		{math.NaN(), "NaN"},
	}
	for _, tt := range tests {
		if got := FormatNumber(tt.v); got != tt.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
