using Scratch.Nn.Checkpoints;
using Scratch.Nn.Quantization;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Low-precision weights: float16 and bfloat16 round to nearest even within their relative bounds, every 16-bit
/// value round-trips exactly, the integer schemes stay within half a step s/2 of every weight (over random
/// matrices including zeros, constant, huge, tiny and outlier rows), packing is exact, sizes are as documented,
/// and a quantized safetensors file reads back to exactly the dequantized tensors.
/// </summary>
public sealed class QuantizationTests
{
    private const int Cases = 200;

    /// <summary>Half an ulp of x in float32: the rounding of the product q·s to float32.</summary>
    private static double HalfUlp(float x) => (MathF.BitIncrement(Math.Abs(x)) - Math.Abs(x)) / 2.0;

    /// <summary>A random (rows, cols) matrix of one of several kinds; the kind is in the name for failure messages.</summary>
    private static (float[] W, int Rows, int Cols, string Kind) RandomMatrix(int seed)
    {
        var random = new Random(seed);
        int rows = random.Next(1, 6);
        int[] widths = [1, 2, 3, 7, 31, 32, 33, 64, 70];
        int cols = widths[random.Next(widths.Length)];
        var w = new float[rows * cols];
        string[] kinds = ["normal", "zeros", "all equal", "huge", "tiny", "outlier row", "mixed magnitudes", "some zeros"];
        string kind = kinds[random.Next(kinds.Length)];
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        float constant = (float)(Normal() * Math.Pow(10, random.Next(-5, 5)));
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = kind switch
            {
                "zeros" => 0f,
                "all equal" => constant,
                "huge" => (float)(Normal() * 1e30),
                "tiny" => (float)(Normal() * 1e-30),
                "outlier row" => (float)(Normal() * 0.02 * (i / cols == 0 ? 100 : 1)),
                "mixed magnitudes" => (float)(Normal() * Math.Pow(10, random.Next(-8, 8))),
                "some zeros" => random.Next(3) == 0 ? 0f : (float)Normal(),
                _ => (float)(Normal() * 0.02),
            };
        }
        return (w, rows, cols, $"{kind} ({rows}, {cols}), seed {seed}");
    }

    // ---- float16 and bfloat16 --------------------------------------------------------------------------

    [Fact]
    public void EveryFloat16AndBFloat16ValueRoundTripsExactly()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float h = Float16.ToFloat((ushort)bits), b = BFloat16.ToFloat((ushort)bits);
            if (!float.IsNaN(h))
            {
                Assert.Equal(bits, Float16.FromFloat(h));
            }
            if (!float.IsNaN(b))
            {
                Assert.Equal(bits, BFloat16.FromFloat(b));
            }
            else
            {
                Assert.True(float.IsNaN(BFloat16.ToFloat(BFloat16.FromFloat(b))), $"bf16 NaN 0x{bits:X4} must stay NaN");
            }
        }
    }

    [Fact]
    public void Float16RoundsToNearestWithin2ToTheMinus11()
    {
        Fixtures.Property(Cases, seed =>
        {
            var random = new Random(seed);
            for (int i = 0; i < 200; i++)
            {
                // Normal range 2⁻¹⁴ … 65504, either sign.
                float x = (float)(Math.Pow(2, -14 + random.NextDouble() * 29.99) * (random.Next(2) == 0 ? -1 : 1));
                float r = Float16.ToFloat(Float16.FromFloat(x));
                Assert.True(Math.Abs(x - (double)r) <= Math.Pow(2, -11) * Math.Abs(x), $"f16({x:R}) = {r:R}");
                AssertNearestOfNeighbours(x, r, Float16.FromFloat(x), Float16.ToFloat);
                // Below 2⁻¹⁴ the subnormal steps are 2⁻²⁴ apart: the error is at most half of one.
                float small = (float)(random.NextDouble() * Math.Pow(2, -14));
                float rs = Float16.ToFloat(Float16.FromFloat(small));
                Assert.True(Math.Abs(small - (double)rs) <= Math.Pow(2, -25), $"f16({small:R}) = {rs:R}");
            }
        });
    }

    [Fact]
    public void BFloat16RoundsToNearestWithin2ToTheMinus8()
    {
        Fixtures.Property(Cases, seed =>
        {
            var random = new Random(seed);
            for (int i = 0; i < 200; i++)
            {
                // Float32's whole normal range, either sign, and exactly halfway cases.
                float x = (float)(Math.Pow(2, -126 + random.NextDouble() * 253.9) * (random.Next(2) == 0 ? -1 : 1));
                if (random.Next(4) == 0)
                {
                    x = BitConverter.UInt32BitsToSingle((BitConverter.SingleToUInt32Bits(x) & 0xFFFF0000) | 0x8000); // a tie
                }
                float r = BFloat16.ToFloat(BFloat16.FromFloat(x));
                Assert.True(Math.Abs(x - (double)r) <= Math.Pow(2, -8) * Math.Abs(x), $"bf16({x:R}) = {r:R}");
                AssertNearestOfNeighbours(x, r, BFloat16.FromFloat(x), BFloat16.ToFloat);
            }
        });
    }

    /// <summary>r is the nearer of the two 16-bit neighbours of x (ties to the even bit pattern).</summary>
    private static void AssertNearestOfNeighbours(float x, float r, ushort bits, Func<ushort, float> decode)
    {
        double error = Math.Abs(x - (double)r);
        foreach (int neighbour in new[] { bits - 1, bits + 1 })
        {
            float other = decode((ushort)neighbour);
            if (float.IsFinite(other) && Math.Sign(other) == Math.Sign(r))
            {
                double otherError = Math.Abs(x - (double)other);
                Assert.True(error < otherError || (error == otherError && bits % 2 == 0),
                    $"{x:R} rounded to {r:R} (0x{bits:X4}) but {other:R} is {(error == otherError ? "as near and even" : "nearer")}");
            }
        }
    }

    [Fact]
    public void BFloat16TiesGoToTheEvenNeighbour()
    {
        // 1 + 2⁻⁸ lies halfway between 1 (fraction …0) and 1 + 2⁻⁷ (fraction …1): to 1.
        Assert.Equal(1f, BFloat16.ToFloat(BFloat16.FromFloat(1 + MathF.Pow(2, -8))));
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even): to 1 + 2⁻⁶.
        Assert.Equal(1 + MathF.Pow(2, -6), BFloat16.ToFloat(BFloat16.FromFloat(1 + 3 * MathF.Pow(2, -8))));
        // Rounding up can carry into the exponent: the largest fraction below 2 goes to 2.
        Assert.Equal(2f, BFloat16.ToFloat(BFloat16.FromFloat(MathF.BitDecrement(2f))));
    }

    [Fact]
    public void SixteenBitSchemesRefuseValuesBeyondTheirRange()
    {
        var big = Tensor<float>.FromArray([1f, 70000f], 2);
        var error = Assert.Throws<ArgumentException>(() => QuantizedTensor.Quantize(big, QuantScheme.Float16));
        Assert.Contains("70000", error.Message);
        Assert.Equal(70000f, QuantizedTensor.Quantize(big, QuantScheme.BFloat16).Dequantize().ToArray()[1], 70000 * Math.Pow(2, -8));
        Assert.Throws<ArgumentException>(() => QuantizedTensor.Quantize(Tensor<float>.FromArray([float.MaxValue], 1), QuantScheme.BFloat16));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void EverySchemeRefusesNonFiniteWeights(float bad)
    {
        foreach (var scheme in QuantSchemes.All)
        {
            var error = Assert.Throws<ArgumentException>(() => QuantizedTensor.Quantize(Tensor<float>.FromArray([0.5f, bad], 1, 2), scheme));
            Assert.Contains("finite", error.Message);
        }
    }

    // ---- int8 absmax -------------------------------------------------------------------------------------

    [Fact]
    public void Int8PerTensorIsWithinHalfAStepOfEveryWeight()
    {
        Fixtures.Property(Cases, seed =>
        {
            var (w, _, _, kind) = RandomMatrix(seed);
            var (q, s) = Int8Absmax.QuantizeTensor(w);
            float max = w.Max(Math.Abs);
            Assert.True(s >= max / 127.0 && s <= max / 127.0 * (1 + 1e-6), $"{kind}: s = {s:R}, max/127 = {max / 127.0:R}");
            var back = Int8Absmax.DequantizeTensor(q, s);
            AssertWithinHalfStep(w, back, _ => s, kind);
            if (max > 0)
            {
                Assert.Equal(127, q.Max(v => Math.Abs((int)v))); // the largest magnitude lands on ±127
            }
            Assert.DoesNotContain(sbyte.MinValue, q);
        });
    }

    [Fact]
    public void Int8PerRowIsWithinHalfARowStepAndNeverCoarserThanPerTensor()
    {
        Fixtures.Property(Cases, seed =>
        {
            var (w, rows, cols, kind) = RandomMatrix(seed);
            var (q, scales) = Int8Absmax.QuantizeRows(w, rows, cols);
            var back = Int8Absmax.DequantizeRows(q, scales, cols);
            AssertWithinHalfStep(w, back, i => scales[i / cols], kind);
            float tensorScale = Int8Absmax.QuantizeTensor(w).Scale;
            Assert.All(scales, s => Assert.True(s <= tensorScale, $"{kind}: a row scale {s:R} > the tensor's {tensorScale:R}"));
            Assert.DoesNotContain(sbyte.MinValue, q);
        });
    }

    [Fact]
    public void ZerosAndConstantsAreExact()
    {
        var (q, s) = Int8Absmax.QuantizeTensor(new float[10]);
        Assert.Equal(0f, s);
        Assert.All(Int8Absmax.DequantizeTensor(q, s), v => Assert.Equal(0f, v));
        // A constant c: s = c/127, q = 127, ŵ = 127·s, within half an ulp of c.
        var (qc, sc) = Int8Absmax.QuantizeTensor([0.3f, 0.3f, 0.3f]);
        Assert.All(qc, v => Assert.Equal(127, v));
        Assert.All(Int8Absmax.DequantizeTensor(qc, sc), v => Assert.True(Math.Abs(v - 0.3f) <= 2 * HalfUlp(0.3f)));
        var (packed, scales) = Int4Groups.Quantize(new float[40], 1, 40);
        Assert.All(Int4Groups.Dequantize(packed, scales, 1, 40), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void PerRowBeatsPerTensorWhenOneRowIsAnOutlier()
    {
        // Row 0 is 100× the others: its max sets the per-tensor step, so the small rows fall on a few levels.
        var (w, rows, cols) = (Enumerable.Range(0, 4 * 64).Select(i => (float)(Math.Sin(i * 0.7) * (i < 64 ? 2.0 : 0.02))).ToArray(), 4, 64);
        var (q, s) = Int8Absmax.QuantizeTensor(w);
        var perTensor = Int8Absmax.DequantizeTensor(q, s);
        var (qr, scales) = Int8Absmax.QuantizeRows(w, rows, cols);
        var perRow = Int8Absmax.DequantizeRows(qr, scales, cols);
        double Rms(float[] a, int from) => Math.Sqrt(Enumerable.Range(from, w.Length - from).Average(i => Math.Pow(w[i] - a[i], 2)));
        Assert.True(Rms(perRow, 64) * 50 < Rms(perTensor, 64), $"small rows: per row {Rms(perRow, 64):E2}, per tensor {Rms(perTensor, 64):E2}");
        Assert.True(qr.Skip(64).Distinct().Count() > 100 && q.Skip(64).Distinct().Count() <= 3, "the small rows use the whole int8 range only per row");
    }

    // ---- int4 in groups of 32 -------------------------------------------------------------------------

    [Fact]
    public void Int4IsWithinHalfAGroupStepOfEveryWeight()
    {
        Fixtures.Property(Cases, seed =>
        {
            var (w, rows, cols, kind) = RandomMatrix(seed);
            var (packed, scales) = Int4Groups.Quantize(w, rows, cols);
            int groups = Int4Groups.GroupsPerRow(cols);
            Assert.Equal(rows * ((cols + 1) / 2), packed.Length);
            Assert.Equal(rows * ((cols + 31) / 32), scales.Length);
            var back = Int4Groups.Dequantize(packed, scales, rows, cols);
            AssertWithinHalfStep(w, back, i => scales[i / cols * groups + i % cols / 32], kind);
            for (int g = 0; g < scales.Length; g++)
            {
                int r = g / groups, start = g % groups * 32, length = Math.Min(32, cols - start);
                float max = w.AsSpan(r * cols + start, length).ToArray().Max(Math.Abs);
                Assert.True(scales[g] >= max / 7.0 && scales[g] <= max / 7.0 * (1 + 1e-6), $"{kind}: group {g} scale {scales[g]:R}, max/7 = {max / 7.0:R}");
            }
            Assert.Equal(cols, Int4Groups.Columns(packed, rows, (cols + 1) / 2));
        });
    }

    [Fact]
    public void PackingTwoValuesPerByteIsExact()
    {
        for (int low = -7; low <= 7; low++)
        {
            for (int high = -7; high <= 7; high++)
            {
                byte b = Int4Groups.Pack(low, high);
                Assert.Equal((low, high), Int4Groups.Unpack(b));
                Assert.Equal(low + 8 + 16 * (high + 8), b); // low nibble first
            }
        }
        // Every byte whose nibbles are codes 1…15 unpacks and packs back to itself.
        for (int b = 0; b < 256; b++)
        {
            if ((b & 0x0F) != 0 && b >> 4 != 0)
            {
                var (low, high) = Int4Groups.Unpack((byte)b);
                Assert.Equal(b, Int4Groups.Pack(low, high));
            }
        }
    }

    [Fact]
    public void Int4PacksAKnownRowByHand()
    {
        // One group: max 0.7 → s = 0.1; q = round(w / 0.1) = [7, −7, 0, 3, −1]; nibbles q + 8 = [15, 1, 8, 11, 7], padding 0.
        var (packed, scales) = Int4Groups.Quantize([0.7f, -0.7f, 0.01f, 0.31f, -0.12f], 1, 5);
        Assert.Equal(0.1f, scales[0], 1e-7f);
        Assert.Equal(new byte[] { 15 | 1 << 4, 8 | 11 << 4, 7 | 0 << 4 }, packed);
        Assert.Equal(5, Int4Groups.Columns(packed, 1, 3));
        Assert.Throws<ArgumentException>(() => Int4Groups.Dequantize([0x80], [1f], 1, 2)); // the low nibble is the unused code 0
    }

    private static void AssertWithinHalfStep(float[] w, float[] back, Func<int, float> step, string kind)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double error = Math.Abs((double)w[i] - back[i]), bound = step(i) / 2.0 * (1 + 1e-12) + HalfUlp(back[i]);
            Assert.True(error <= bound, $"{kind}: element {i}: w = {w[i]:R}, ŵ = {back[i]:R}, |w − ŵ| = {error:E3} > s/2 = {step(i) / 2.0:E3}");
        }
    }

    // ---- sizes and files ---------------------------------------------------------------------------------

    [Theory]
    [InlineData(65, 128)]
    [InlineData(3, 33)]
    [InlineData(1, 1)]
    public void SizesInBytesAreAsDocumented(int rows, int cols)
    {
        var w = Tensor<float>.FromArray(Enumerable.Range(0, rows * cols).Select(i => (float)Math.Cos(i)).ToArray(), rows, cols);
        long n = rows * cols;
        Assert.Equal(2 * n, QuantizedTensor.Quantize(w, QuantScheme.Float16).Bytes);
        Assert.Equal(2 * n, QuantizedTensor.Quantize(w, QuantScheme.BFloat16).Bytes);
        Assert.Equal(n + 4, QuantizedTensor.Quantize(w, QuantScheme.Int8PerTensor).Bytes);
        Assert.Equal(n + 4 * rows, QuantizedTensor.Quantize(w, QuantScheme.Int8PerRow).Bytes);
        Assert.Equal(rows * ((cols + 1) / 2) + 4 * rows * ((cols + 31) / 32), QuantizedTensor.Quantize(w, QuantScheme.Int4Group32).Bytes);
    }

    [Fact]
    public void AQuantizedFileReadsBackToTheDequantizedTensors()
    {
        var random = new Random(5);
        var state = new StateDict<float>();
        state.Add("wte.weight", Tensor<float>.FromArray(Enumerable.Range(0, 7 * 33).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), 7, 33));
        state.Add("ln.weight", Tensor<float>.FromArray([1f, 0.5f, 2f], 3));
        state.Add("h.0.c_fc.weight", Tensor<float>.FromArray(Enumerable.Range(0, 4 * 64).Select(_ => (float)(random.NextDouble() * 3)).ToArray(), 4, 64));
        string dir = Directory.CreateTempSubdirectory("scratch-quant-").FullName;
        try
        {
            foreach (var scheme in QuantSchemes.All)
            {
                string path = Path.Combine(dir, scheme.Name() + ".safetensors");
                QuantizedSafetensors.Save(path, state, scheme, (_, t) => t.Rank == 2);
                var (loaded, stored) = QuantizedSafetensors.Load(path);
                Assert.Equal(scheme, stored);
                Assert.Equal(state.Names, loaded.Names);
                Assert.Equal(state["ln.weight"].ToArray(), loaded["ln.weight"].ToArray()); // kept in float32, exactly
                long data = 4 * 3;
                foreach (string name in new[] { "wte.weight", "h.0.c_fc.weight" })
                {
                    var quantized = QuantizedTensor.Quantize(state[name], scheme);
                    Assert.Equal(quantized.Dequantize().ToArray(), loaded[name].ToArray());
                    Assert.Equal(state[name].ShapeArray(), loaded[name].ShapeArray());
                    data += quantized.Bytes;
                }
                // The file is the 8-byte length, the header and exactly the bytes counted above.
                var bytes = File.ReadAllBytes(path);
                long header = BitConverter.ToInt64(bytes, 0);
                Assert.Equal(8 + header + data, bytes.Length);
                Assert.Contains($"\"quantization\":\"{scheme.Name()}\"", System.Text.Encoding.UTF8.GetString(bytes, 8, (int)header));
                if (scheme is not (QuantScheme.Float16 or QuantScheme.BFloat16))
                {
                    var error = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load<float>(path));
                    Assert.Contains("QuantizedSafetensors.Load", error.Message);
                }
            }
            // A plain float file loads with no scheme.
            string plain = Path.Combine(dir, "plain.safetensors");
            Safetensors.Save(plain, state);
            var (floats, none) = QuantizedSafetensors.Load(plain);
            Assert.Null(none);
            Assert.Equal(state["wte.weight"].ToArray(), floats["wte.weight"].ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ACorruptQuantizedFileIsAFormatError()
    {
        var values = new SafetensorsTensor("w", "U8", [2, 2], [0x11, 0x11, 0x11, 0x01]); // row 1 padded, row 0 not
        var scales = new SafetensorsTensor("w.scale", "F32", [2, 1], new byte[8]);
        AssertCorrupt([values, scales], "int4-g32", "padded");
        AssertCorrupt([values with { Data = [0x10, 0x11, 0x11, 0x11] }, scales], "int4-g32", "code 0");
        AssertCorrupt([values with { DType = "I8" }], "int8-row", "scales 'w.scale' are missing");
        AssertCorrupt([values with { DType = "I8" }, scales], "int8-row", "needs scales of shape [2]");
        AssertCorrupt([values], "int5", "unknown quantization scheme 'int5'");
        AssertCorrupt([values with { DType = "I8" }, new SafetensorsTensor("w.scale", "F32", [2], new byte[8])], "int4-g32", "stores U8");
    }

    private static void AssertCorrupt(SafetensorsTensor[] tensors, string scheme, string expected)
    {
        string path = Path.GetTempFileName();
        try
        {
            Safetensors.SaveRaw(path, tensors, new Dictionary<string, string> { ["quantization"] = scheme });
            var error = Assert.Throws<SafetensorsFormatException>(() => QuantizedSafetensors.Load(path));
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SchemeNamesParseBackAndUnknownOnesAreListed()
    {
        foreach (var scheme in QuantSchemes.All)
        {
            Assert.Equal(scheme, QuantSchemes.Parse(scheme.Name()));
        }
        var error = Assert.Throws<ArgumentException>(() => QuantSchemes.Parse("int3"));
        Assert.Equal("unknown quantization scheme 'int3'; choose one of f16, bf16, int8-tensor, int8-row, int4-g32", error.Message);
    }
}
