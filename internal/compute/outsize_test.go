package compute

import (
	"errors"
	"strings"
	"testing"
)

func TestOutputSize(t *testing.T) {
	tests := []struct {
		name                         string
		in, kernel, pad, stride, dil int
		want                         int
		wantErr                      string // substring of the error; "" means success
	}{
		{name: "recitation no padding", in: 4, kernel: 2, pad: 0, stride: 1, dil: 1, want: 3},
		{name: "recitation padding 1", in: 4, kernel: 2, pad: 1, stride: 1, dil: 1, want: 5},
		{name: "pool 2 stride 2", in: 128, kernel: 2, pad: 0, stride: 2, dil: 1, want: 64},
		{name: "kernel 17", in: 64, kernel: 17, pad: 0, stride: 1, dil: 1, want: 48},
		{name: "pool 3 stride 3", in: 48, kernel: 3, pad: 0, stride: 3, dil: 1, want: 16},
		{name: "floor drops the partial window", in: 5, kernel: 2, pad: 0, stride: 2, dil: 1, want: 2},
		{name: "stride 2 with padding", in: 7, kernel: 3, pad: 1, stride: 2, dil: 1, want: 4},
		{name: "ResNet stem", in: 224, kernel: 7, pad: 3, stride: 2, dil: 1, want: 112},
		{name: "ResNet downsample", in: 112, kernel: 3, pad: 1, stride: 2, dil: 1, want: 56},
		{name: "stride 3 floors", in: 32, kernel: 5, pad: 2, stride: 3, dil: 1, want: 11},
		{name: "dilation 2", in: 10, kernel: 3, pad: 0, stride: 1, dil: 2, want: 6},
		{name: "dilated kernel fits exactly", in: 5, kernel: 3, pad: 0, stride: 1, dil: 2, want: 1},
		{name: "dilation with padding", in: 6, kernel: 3, pad: 2, stride: 1, dil: 3, want: 4},
		{name: "dilation and stride", in: 9, kernel: 2, pad: 0, stride: 2, dil: 4, want: 3},
		{name: "1x1", in: 1, kernel: 1, pad: 0, stride: 1, dil: 1, want: 1},
		{name: "kernel fits only thanks to padding", in: 3, kernel: 5, pad: 1, stride: 1, dil: 1, want: 1},
		{name: "kernel larger than input", in: 3, kernel: 5, pad: 0, stride: 1, dil: 1, wantErr: "the dilated kernel (5) is larger than the padded input (3)"},
		{name: "dilated kernel larger than input", in: 4, kernel: 3, pad: 0, stride: 1, dil: 2, wantErr: "the dilated kernel (5) is larger than the padded input (4)"},
		{name: "zero input", in: 0, kernel: 1, pad: 0, stride: 1, dil: 1, wantErr: "input size must be at least 1"},
		{name: "zero kernel", in: 4, kernel: 0, pad: 0, stride: 1, dil: 1, wantErr: "kernel size must be at least 1"},
		{name: "zero stride", in: 4, kernel: 2, pad: 0, stride: 0, dil: 1, wantErr: "stride must be at least 1"},
		{name: "negative stride", in: 4, kernel: 2, pad: 0, stride: -2, dil: 1, wantErr: "stride must be at least 1"},
		{name: "zero dilation", in: 4, kernel: 2, pad: 0, stride: 1, dil: 0, wantErr: "dilation must be at least 1"},
		{name: "negative padding", in: 4, kernel: 2, pad: -1, stride: 1, dil: 1, wantErr: "padding cannot be negative"},
		{name: "huge kernel", in: 4, kernel: MaxDimension + 1, pad: 0, stride: 1, dil: 1, wantErr: "the limit is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OutputSize(tt.in, tt.kernel, tt.pad, tt.stride, tt.dil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OutputSize = %d, %v; want error containing %q", got, err, tt.wantErr)
				}
				var e *Error
				if !errors.As(err, &e) || e.Field != "" {
					t.Fatalf("error %#v: want *Error with no field (one axis has no name)", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("OutputSize = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestOutputSize2D(t *testing.T) {
	got, err := OutputSize2D(Pair{8, 6}, Pair{3, 2}, Pair{1, 0}, Pair{2, 1}, Pair{1, 2})
	if err != nil || got != (Pair{4, 4}) {
		t.Fatalf("OutputSize2D = %v, %v; want {4 4}", got, err)
	}

	errTests := []struct {
		name                   string
		in, k, p, s, d         Pair
		wantField, wantMessage string
	}{
		{"width too small", Pair{8, 4}, Square(3), Pair{}, Square(1), Square(2),
			"width", "width: the dilated kernel (5) is larger than the padded input (4)"},
		{"height too small", Pair{2, 9}, Square(3), Pair{}, Square(1), Square(1),
			"height", "height: the dilated kernel (3) is larger than the padded input (2)"},
		{"height checked first", Pair{1, 1}, Square(3), Pair{}, Square(1), Square(1),
			"height", "height: the dilated kernel (3) is larger than the padded input (1)"},
		{"zero stride on width", Square(4), Square(2), Pair{}, Pair{1, 0}, Square(1),
			"width", "width: stride must be at least 1 (got 0)"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OutputSize2D(tt.in, tt.k, tt.p, tt.s, tt.d)
			if f := fieldOf(t, err); f != tt.wantField {
				t.Errorf("field = %q, want %q", f, tt.wantField)
			}
			if err.Error() != tt.wantMessage {
				t.Errorf("error = %q, want %q", err, tt.wantMessage)
			}
		})
	}
}
