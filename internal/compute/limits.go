package compute

// Documented bounds. They are checked before any work is done, so that a
// request that is too large is rejected cheaply and with a message naming the
// input at fault, instead of exhausting memory or CPU.
const (
	// MaxTensorElements bounds the number of elements in any input tensor
	// or kernel, including the zero-padded input that a trace can show
	// (262144 = 512×512).
	MaxTensorElements = 262144

	// MaxChannels bounds the number of input channels C and output channels
	// O of conv2d and pool2d.
	MaxChannels = 1024

	// MaxSpatial bounds each of H, W, the kernel sizes, stride, padding and
	// dilation of conv2d and pool2d.
	MaxSpatial = 4096

	// MaxOutputElements bounds the numbers one computation produces: the
	// output of conv2d or pool2d (also the number of steps of a trace) and
	// the vectors of an RNN forward pass. JSON writes a float64 in at most
	// 24 characters, so an API answer stays under 2 MiB.
	MaxOutputElements = 65536

	// MaxMultiplyAdds bounds the work of one conv2d or pool2d,
	// O·Hout·Wout·C·kH·kW (C = 1 per output channel for pooling), and of an
	// RNN forward pass. At about 0.7 G multiply-adds per second on one
	// core (BENCHMARKS.md) that is about 15 ms; it still admits a 3×64×64
	// image through 64 filters of 7×7 with stride 2, or 16 channels of
	// 64×64 through a 3×3 convolution to 16.
	MaxMultiplyAdds = 10_000_000

	// MaxLayers bounds the number of layers given to PropagateNetwork.
	MaxLayers = 64

	// MaxDimension bounds any dimension of a network input shape, any layer
	// argument, any dimension a Conv2d or pooling layer produces, and the
	// sizes given to Attention.
	MaxDimension = 1 << 20

	// MaxRNNSize bounds the RNN input, hidden and output sizes.
	MaxRNNSize = 1024

	// MaxRNNSteps bounds the number of time steps of an RNN forward pass.
	MaxRNNSteps = 1000

	// MaxParams bounds every parameter count (per layer and in total) and
	// the number of features Flatten may produce. It keeps int64 arithmetic
	// far from overflow; no network a student draws comes near it.
	MaxParams int64 = 1_000_000_000_000_000
)
