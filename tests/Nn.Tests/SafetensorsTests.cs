using System.Buffers.Binary;
using System.Text;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Safetensors: round trips (property), files written by the fixture script in the reference layout,
/// byte-for-byte agreement with that layout, and every kind of corruption giving a SafetensorsFormatException.
/// </summary>
public sealed class SafetensorsTests
{
    private const string NameCharacters = "abcXYZ019._-/ \"\\é中🙂";

    private static string RandomName(Random r)
    {
        var sb = new StringBuilder();
        int length = r.Next(0, 6);
        var chars = NameCharacters.EnumerateRunes().ToArray();
        for (int i = 0; i < length; i++)
        {
            sb.Append(chars[r.Next(chars.Length)].ToString());
        }
        return sb.ToString();
    }

    private static T[] RandomValues<T>(Random r, int count) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[] specials = [T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.NegativeZero, T.Epsilon, T.CreateChecked(1e30)];
        return [.. Enumerable.Range(0, count).Select(_ => r.Next(8) == 0 ? specials[r.Next(specials.Length)] : T.CreateChecked(r.NextDouble() * 200 - 100))];
    }

    private static StateDict<T> RandomState<T>(Random r) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var state = new StateDict<T>();
        int n = r.Next(0, 6);
        while (state.Count < n)
        {
            string name = RandomName(r);
            if (name == "__metadata__" || state.Contains(name))
            {
                continue;
            }
            int[] shape = [.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => r.Next(0, 4))]; // rank 0 (scalar) .. 3, sizes 0 (empty) .. 3
            state.Add(name, Tensor<T>.FromArray(RandomValues<T>(r, Shapes.Count(shape)), shape));
        }
        return state;
    }

    private static void AssertSameState<T>(StateDict<T> expected, StateDict<T> actual) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Names, actual.Names);
        foreach (var (name, tensor) in expected.Entries)
        {
            Assert.Equal(tensor.ShapeArray(), actual[name].ShapeArray());
            Assert.Equal(tensor.ToArray(), actual[name].ToArray()); // Equals on floats: NaN equals NaN, −0 vs +0 differ only by sign check below
            Assert.True(tensor.ToArray().Zip(actual[name].ToArray()).All(p => T.IsNegative(p.First) == T.IsNegative(p.Second)), $"{name}: sign bits differ");
        }
    }

    private static void RoundTrip<T>(Random r) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var state = RandomState<T>(r);
        var metadata = new Dictionary<string, string>();
        for (int i = r.Next(0, 3); i > 0; i--)
        {
            metadata[RandomName(r) + "k"] = RandomName(r);
        }
        byte[] bytes = Safetensors.Serialize(state, metadata);
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(bytes) % 8);
        var (tensors, loadedMetadata) = Safetensors.Deserialize<T>(bytes);
        AssertSameState(state, tensors);
        Assert.Equal(metadata.OrderBy(p => p.Key, StringComparer.Ordinal), loadedMetadata.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void AnyStateDictRoundTrips() => Fixtures.Property(200, seed =>
    {
        var r = new Random(seed);
        if (r.Next(2) == 0)
        {
            RoundTrip<float>(r);
        }
        else
        {
            RoundTrip<double>(r);
        }
    });

    [Fact]
    public void SaveWritesAtomicallyAndLoadReadsBack()
    {
        string folder = Directory.CreateTempSubdirectory("scratch-safetensors-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            var state = new StateDict<float>();
            state.Add("w", Tensor<float>.Arange(6).Reshape(2, 3));
            Safetensors.Save(path, state, new Dictionary<string, string> { ["step"] = "1" });
            state.Add("__metadata__", Tensor<float>.Ones(1)); // a reserved name: the write fails half-way
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, state));
            Assert.Equal(["model.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName)); // no temporary file left
            var (loaded, metadata) = Safetensors.Load<float>(path); // the earlier file is intact
            Assert.Equal(["w"], loaded.Names);
            Assert.Equal([0f, 1, 2, 3, 4, 5], loaded["w"].ToArray());
            Assert.Equal("1", metadata["step"]);
            var other = new StateDict<float>();
            other.Add("v", Tensor<float>.Ones(2));
            Safetensors.Save(path, other); // overwrites
            Assert.Equal(["v"], Safetensors.Load<float>(path).Tensors.Names);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ReadsTheMixedDtypeFileWrittenByPython()
    {
        var f = Fixtures.Root.GetProperty("safetensors").GetProperty("python_mixed");
        string path = Path.Combine(Fixtures.Directory, "python_mixed.safetensors");
        var (asDouble, metadata) = Safetensors.Load<double>(path);
        var (asFloat, _) = Safetensors.Load<float>(path);
        Assert.Equal(f.GetProperty("order").EnumerateArray().Select(e => e.GetString()), asDouble.Names);
        foreach (var t in f.GetProperty("tensors").EnumerateObject())
        {
            var expected = Fixtures.Doubles(t.Value.GetProperty("values"));
            Assert.Equal(t.Value.GetProperty("shape").EnumerateArray().Select(s => s.GetInt32()), asDouble[t.Name].ShapeArray());
            Assert.Equal(expected, asDouble[t.Name].ToArray()); // F16/BF16/F32 widen to double exactly
            Assert.Equal(expected.Select(x => (float)x), asFloat[t.Name].ToArray());
        }
        Assert.Equal(f.GetProperty("metadata").GetProperty("format").GetString(), metadata["format"]);
        Assert.Equal(2, metadata.Count);
    }

    [Fact]
    public void WritesExactlyTheReferenceLayout()
    {
        var f = Fixtures.Root.GetProperty("safetensors").GetProperty("reference_f32");
        var state = new StateDict<float>();
        foreach (var t in f.GetProperty("tensors").EnumerateObject())
        {
            var shape = t.Value.GetProperty("shape").EnumerateArray().Select(s => s.GetInt32()).ToArray();
            state.Add(t.Name, Tensor<float>.FromArray([.. Fixtures.Doubles(t.Value.GetProperty("values")).Select(x => (float)x)], shape));
        }
        byte[] expected = File.ReadAllBytes(Path.Combine(Fixtures.Directory, "reference_f32.safetensors"));
        Assert.Equal(expected, Safetensors.Serialize(state, new Dictionary<string, string> { ["format"] = "pt" }));
    }

    // ---- corruption ----

    /// <summary>A file from a header string and a data section, with the header length set to the header's size.</summary>
    private static byte[] MakeFile(string header, int dataBytes, long? headerLength = null)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, headerLength ?? h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    public static TheoryData<string, byte[], string> Corruptions() => new()
    {
        { "empty file", [], "too short" },
        { "5 bytes", [1, 2, 3, 4, 5], "too short" },
        { "huge header length", MakeFile("{}", 0, headerLength: 1L << 40), "absurd" },
        { "header length past the end", MakeFile("{}", 0, headerLength: 200), "runs past the end" },
        { "header length negative as signed", MakeFile("{}", 0, headerLength: -1), "absurd" },
        { "not JSON", MakeFile("{nope", 0), "not valid UTF-8 JSON" },
        { "not starting with {", MakeFile(" []", 0), "does not start with '{'" },
        { "JSON array", MakeFile("[1,2]", 0), "does not start with '{'" },
        { "JSON string", MakeFile("\"x\"", 0), "does not start with '{'" },
        { "invalid UTF-8", MakeFile("{\"\u00ff\":1}", 0).Select(x => x == 0xC3 ? (byte)0xFF : x).ToArray(), "not valid UTF-8" },
        { "trailing garbage after JSON", MakeFile("{} x", 0), "not valid UTF-8 JSON" },
        { "entry not an object", MakeFile("{\"a\":[1]}", 0), "expected an object" },
        { "missing dtype", MakeFile("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "missing or non-string 'dtype'" },
        { "missing shape", MakeFile("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "'shape'" },
        { "missing offsets", MakeFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "'data_offsets'" },
        { "three offsets", MakeFile("{" + Entry("a", "F32", "[1]", 0, 4).Replace("[0,4]", "[0,4,4]") + "}", 4), "must have 2 numbers" },
        { "negative size", MakeFile("{" + Entry("a", "F32", "[-1]", 0, 4) + "}", 4), "non-negative integers" },
        { "fractional size", MakeFile("{" + Entry("a", "F32", "[1.5]", 0, 4) + "}", 4), "non-negative integers" },
        { "huge size", MakeFile("{" + Entry("a", "F32", "[99999999999]", 0, 4) + "}", 4), "too large" },
        { "overflowing product", MakeFile("{" + Entry("a", "F32", "[2000000000,2000000000,2000000000]", 0, 4) + "}", 4), "more than a Scratch tensor" },
        { "unknown dtype", MakeFile("{" + Entry("a", "F99", "[1]", 0, 4) + "}", 4), "unknown dtype 'F99'" },
        { "unsupported dtype", MakeFile("{" + Entry("a", "I64", "[1]", 0, 8) + "}", 8), "I64 is not supported" },
        { "shape/size mismatch", MakeFile("{" + Entry("a", "F32", "[3]", 0, 8) + "}", 8), "needs 12 bytes" },
        { "end before begin", MakeFile("{" + Entry("a", "F32", "[0]", 4, 0) + "}", 4), "end before they begin" },
        { "offsets past the end", MakeFile("{" + Entry("a", "F32", "[2]", 0, 8) + "}", 4), "run past the end" },
        { "overlap", MakeFile("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[1]", 4, 8) + "}", 8), "overlap" },
        { "hole", MakeFile("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", 12), "hole" },
        { "uncovered tail", MakeFile("{" + Entry("a", "F32", "[1]", 0, 4) + "}", 8), "belongs to no tensor" },
        { "duplicate names", MakeFile("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("a", "F32", "[1]", 4, 8) + "}", 8), "Duplicate property 'a'" },
        { "metadata not strings", MakeFile("{\"__metadata__\":{\"k\":1}}", 0), "not a string" },
        { "metadata not an object", MakeFile("{\"__metadata__\":[]}", 0), "__metadata__ must be an object" },
        { "deep nesting", MakeFile("{\"a\":" + new string('[', 100) + new string(']', 100) + "}", 0), "not valid UTF-8 JSON" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFilesThrowFormatExceptionsNamingTheFile(string what, byte[] bytes, string fragment)
    {
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Deserialize<float>(bytes, source: "broken.safetensors"));
        Assert.StartsWith("safetensors: broken.safetensors: ", e.Message);
        Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{what}: message '{e.Message}' lacks '{fragment}'");
    }

    [Fact]
    public void AFileOnDiskIsNamedInTheError()
    {
        string path = Path.Combine(Path.GetTempPath(), $"scratch-truncated-{Guid.NewGuid():N}.safetensors");
        try
        {
            byte[] good = File.ReadAllBytes(Path.Combine(Fixtures.Directory, "python_mixed.safetensors"));
            File.WriteAllBytes(path, good[..^3]);
            var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load<float>(path));
            Assert.Contains(path, e.Message);
            Assert.Equal(path, e.Source);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RandomCorruptionLoadsOrThrowsFormatExceptionNeverAnythingElse()
    {
        byte[] good = File.ReadAllBytes(Path.Combine(Fixtures.Directory, "python_mixed.safetensors"));
        Fixtures.Property(500, seed =>
        {
            var r = new Random(seed);
            byte[] bytes = (byte[])good.Clone();
            switch (r.Next(4))
            {
                case 0: // flip a few bytes anywhere
                    for (int i = r.Next(1, 6); i > 0; i--)
                    {
                        bytes[r.Next(bytes.Length)] ^= (byte)r.Next(1, 256);
                    }
                    break;
                case 1: // flip bytes in the header, where the structure is
                    for (int i = r.Next(1, 4); i > 0; i--)
                    {
                        bytes[r.Next(8, 8 + 456)] = (byte)r.Next(32, 127);
                    }
                    break;
                case 2: // truncate
                    bytes = bytes[..r.Next(bytes.Length)];
                    break;
                default: // a random header length
                    BinaryPrimitives.WriteInt64LittleEndian(bytes, r.NextInt64(long.MinValue, long.MaxValue) >> r.Next(64));
                    break;
            }
            try
            {
                Safetensors.Deserialize<double>(bytes);
            }
            catch (SafetensorsFormatException)
            {
            }
        });
    }
}
