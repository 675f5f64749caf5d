using Scratch.Autograd;
using Scratch.Nn.Checkpoints;
using Scratch.Nn.Modules;
using Scratch.Nn.Quantization;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// SafetensorsFile reads one tensor at a time into memory the caller owns, and writes each tensor from its own
/// storage: the same numbers as Safetensors.Load and Save, in every float dtype.
/// </summary>
public sealed class SafetensorsFileTests
{
    [Fact]
    public void StreamingSaveAndReadAgreeWithTheWholeFileReaderForAnyState() => Fixtures.Property(100, seed =>
    {
        var r = new Random(seed);
        var state = new StateDict<float>();
        for (int i = r.Next(0, 5); i > 0; i--)
        {
            int[] shape = [.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => r.Next(0, 5))];
            float[] values = [.. Enumerable.Range(0, Shapes.Count(shape)).Select(_ => (float)(r.NextDouble() * 200 - 100))];
            var tensor = Tensor<float>.FromArray(values, shape);
            state.Add($"t{i}", r.Next(3) == 0 && shape.Length == 2 ? tensor.Transpose(0, 1) : tensor); // a view is written as its elements
        }
        string folder = Directory.CreateTempSubdirectory("scratch-stream-").FullName;
        try
        {
            string path = Path.Combine(folder, "x.safetensors");
            SafetensorsFile.Save(path, state);
            Assert.Equal(Safetensors.Serialize(state), File.ReadAllBytes(path)); // byte for byte the whole-file writer's file
            var into = new StateDict<float>();
            foreach (var (name, tensor) in state.Entries)
            {
                into.Add(name, Tensor<float>.Full(tensor.ShapeArray(), float.NaN));
            }
            SafetensorsFile.LoadInto(path, into);
            foreach (var (name, tensor) in state.Entries)
            {
                Assert.Equal(tensor.ToArray(), into[name].ToArray());
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    });

    [Theory]
    [InlineData("F64")]
    [InlineData("F32")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void ReadIntoDecodesEveryFloatDtypeAsTheWholeFileReaderDoes(string dtype)
    {
        // 700,000 numbers: more than one 1 MiB chunk in every dtype.
        var rng = new Rng(3);
        float[] values = Tensor<float>.Randn(rng, 700_000).ToArray();
        var stored = dtype switch
        {
            "F64" => new SafetensorsTensor("w", dtype, [700, 1000], [.. values.SelectMany(v => BitConverter.GetBytes((double)v))]),
            "F32" => new SafetensorsTensor("w", dtype, [700, 1000], [.. values.SelectMany(BitConverter.GetBytes)]),
            "F16" => new SafetensorsTensor("w", dtype, [700, 1000], [.. values.SelectMany(v => BitConverter.GetBytes((Half)v))]),
            _ => new SafetensorsTensor("w", dtype, [700, 1000], [.. values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >>> 16)))]),
        };
        string folder = Directory.CreateTempSubdirectory("scratch-stream-").FullName;
        try
        {
            string path = Path.Combine(folder, "w.safetensors");
            Safetensors.SaveRaw(path, [stored]);
            var expected = Safetensors.Load<float>(path).Tensors["w"].ToArray();
            var actual = new float[700_000];
            using (var file = SafetensorsFile.Open(path))
            {
                Assert.Equal(new SafetensorsTensorInfo("w", dtype, [700, 1000]).ToString(), file.Info("w").ToString());
                file.ReadInto("w", actual.AsSpan());
                Assert.Contains("has 700000 elements", Assert.Throws<ArgumentException>(() => file.ReadInto("w", new float[5].AsSpan())).Message);
            }
            Assert.Equal(expected, actual);
            if (dtype == "F32")
            {
                Assert.Equal(values, actual);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoadIntoChecksEveryNameAndShapeBeforeReadingAndListsEveryProblem()
    {
        string folder = Directory.CreateTempSubdirectory("scratch-stream-").FullName;
        try
        {
            var model = new Linear<float>(3, 2, new Rng(1));
            string path = Path.Combine(folder, "m.safetensors");
            var wrong = new StateDict<float>();
            wrong.Add("weight", Tensor<float>.Ones(3, 2));
            wrong.Add("extra", Tensor<float>.Ones(1));
            SafetensorsFile.Save(path, wrong);
            float[] before = model.Weight.Value.ToArray();
            var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.LoadInto(path, model.StateDict()));
            Assert.Equal("load_state_dict: the file does not fit the model (missing: bias | unexpected: extra | mis-shaped: weight: expected [2,3], got [3,2])", e.Message);
            Assert.Equal(before, model.Weight.Value.ToArray()); // nothing was read

            var quantized = new StateDict<float>();
            quantized.Add("weight", Tensor<float>.Ones(2, 3));
            quantized.Add("bias", Tensor<float>.Ones(2));
            QuantizedSafetensors.Save(path, quantized, QuantScheme.Int8PerRow, (_, t) => t.Rank == 2);
            var error = Assert.Throws<SafetensorsFormatException>(() => { using var f = SafetensorsFile.Open(path); f.ReadInto("weight", new float[6].AsSpan()); });
            Assert.Contains("tensor 'weight' holds I8, not floating-point numbers", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void DtypesScratchDoesNotDecodeAreRefusedUnlessTheReaderSkipsThem()
    {
        string folder = Directory.CreateTempSubdirectory("scratch-stream-").FullName;
        try
        {
            string path = Path.Combine(folder, "mask.safetensors");
            byte[] header = System.Text.Encoding.UTF8.GetBytes("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2,2],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}");
            using (var f = File.Create(path))
            {
                f.Write(BitConverter.GetBytes((ulong)header.Length));
                f.Write(header);
                f.Write([1, 0, 1, 1]);
                f.Write(BitConverter.GetBytes(2.5f));
            }
            Assert.Contains("dtype BOOL is not supported", Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path)).Message);
            using var file = SafetensorsFile.Open(path, anyDType: true);
            var w = new float[1];
            file.ReadInto("w", w.AsSpan());
            Assert.Equal(2.5f, w[0]);
            Assert.Contains("holds BOOL", Assert.Throws<SafetensorsFormatException>(() => file.ReadInto("mask", new float[4].AsSpan())).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
