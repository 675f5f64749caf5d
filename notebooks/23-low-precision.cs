#!/usr/bin/env dotnet
// Lesson 23 — Low-precision weights
//
// A trained weight is a float32: 32 bits. Stored in fewer bits, a checkpoint shrinks; the question is what
// the rounding costs. Two families:
//
//   16-bit floats keep the sign and the exponent and fewer fraction bits, rounded to the nearest (ties to even):
//     float16:   5 exponent bits, 10 fraction bits    |w − ŵ| ≤ 2⁻¹¹·|w|  for 2⁻¹⁴ ≤ |w| ≤ 65504
//     bfloat16:  8 exponent bits,  7 fraction bits    |w − ŵ| ≤ 2⁻⁸·|w|   over float32's whole range
//
//   Integers and a scale ("absmax"): a block of weights shares one float32 scale s,
//     s = max |w| / Q,   q = round(w / s) ∈ [−Q, Q],   ŵ = q·s,   |w − ŵ| ≤ s/2
//     int8: Q = 127, one s per tensor or per row;   int4: Q = 7, one s per group of 32 along a row, two q per byte.
//
// A block's largest weight sets its step s for every weight in it: per row, one outlier row no longer coarsens
// all the others. The model is then evaluated exactly as `scratch eval --all` does (every window of the val
// split), with the weights read back from the quantized file.
//
// Library files to read beside it: Nn/Quantization/Float16.cs, BFloat16.cs, Absmax.cs, Int8Absmax.cs,
// Int4Groups.cs, QuantizedTensor.cs (the layouts and sizes), QuantizedSafetensors.cs (the file),
// Gpt/Checkpoints/QuantizedCheckpoint.cs (what `scratch quantize` writes; Gpt/Cli/QuantizeCommand.cs),
// Gpt/Training/Checkpoint.cs (LoadModel dequantizes), Gpt/Training/LossEstimator.cs (Exact, as eval --all).
//
// It uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/), training it first if lesson 18 has
// not run.
//
// Run:  dotnet run notebooks/23-low-precision.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Cli;
using Scratch.Gpt.Data;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Training;
using Scratch.Lessons;
using Scratch.Nn.Quantization;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "23", "low-precision weights");
var (gpt, tokenizer) = BabyGpt.LoadOrTrain();
var weights = gpt.StateDict();
var matrices = weights.Entries.Where(e => QuantizedCheckpoint.IsQuantized(e.Name, e.Tensor)).ToList();
long parameters = weights.Entries.Sum(e => (long)e.Tensor.Count), inMatrices = matrices.Sum(e => (long)e.Tensor.Count);

// ---------------------------------------------------------------------------------------------------------
Section("1. One weight in 16 bits");
var wte = weights["transformer.wte.weight"];
float w0 = wte.ToArray()[7];
Say($"The model has {parameters:N0} weights; {inMatrices:N0} of them ({100.0 * inMatrices / parameters:F2}%) sit in its {matrices.Count} "
    + "matrices (the embeddings wte, wpe and every Linear weight). Those are what we store in fewer bits; the layer norms' "
    + "weights and biases stay float32.");
// A float's bits split into its fields: sign | exponent | fraction.
static string Fields(uint bits, int total, int exponentBits)
{
    string b = Convert.ToString(bits, 2).PadLeft(total, '0');
    return $"{b[..1]} {b[1..(1 + exponentBits)]} {b[(1 + exponentBits)..]}";
}
uint b32 = BitConverter.SingleToUInt32Bits(w0);
ushort f16 = Float16.FromFloat(w0), bf16 = BFloat16.FromFloat(w0);
float r16 = Float16.ToFloat(f16), rb16 = BFloat16.ToFloat(bf16);
Table(["format", "bits (sign | exponent | fraction)", "value", "|w − ŵ|", "bound"],
[
    ["float32", Fields(b32, 32, 8), (double)w0, 0.0, "—"],
    ["float16", Fields(f16, 16, 5), (double)r16, Math.Abs(w0 - (double)r16), $"2⁻¹¹·|w| = {G(Math.Abs(w0) * Math.Pow(2, -11))}"],
    ["bfloat16", Fields(bf16, 16, 8), (double)rb16, Math.Abs(w0 - (double)rb16), $"2⁻⁸·|w| = {G(Math.Abs(w0) * Math.Pow(2, -8))}"],
]);
Say($"wte[0, 7] = {G(w0)}. bfloat16 keeps float32's sign and exponent and the top 7 of its 23 fraction bits, rounded to the nearest; "
    + "float16 re-encodes the exponent in 5 bits and keeps 10 fraction bits.");
Check(Math.Abs(w0 - (double)r16) <= Math.Pow(2, -11) * Math.Abs(w0) && Math.Abs(w0 - (double)rb16) <= Math.Pow(2, -8) * Math.Abs(w0),
    "this weight rounds within 2⁻¹¹·|w| in float16 and 2⁻⁸·|w| in bfloat16");
float big = 70000f, small = 1e-6f;
Table(["w", "float16", "bfloat16"],
[
    [(double)big, float.IsInfinity(Float16.ToFloat(Float16.FromFloat(big))) ? "∞ (beyond 65504)" : G(Float16.ToFloat(Float16.FromFloat(big))), (double)BFloat16.ToFloat(BFloat16.FromFloat(big))],
    [(double)small, (double)Float16.ToFloat(Float16.FromFloat(small)), (double)BFloat16.ToFloat(BFloat16.FromFloat(small))],
]);
var magnitudes = matrices.SelectMany(e => e.Tensor.ToArray()).Select(Math.Abs).ToArray();
double belowNormal = magnitudes.Count(m => m > 0 && m < Float16.MinNormal) / (double)magnitudes.Length;
Say("float16 spends its bits on precision, bfloat16 on range: 70000 does not fit in float16, and 1e−6 falls among float16's "
    + $"subnormals, steps of 2⁻²⁴ ≈ 6e−8 apart. This model's largest |w| is {G(magnitudes.Max())}, and {100 * belowNormal:F2}% of its "
    + "weights are below float16's normal range (2⁻¹⁴ ≈ 6.1e−5), where the error is at most 2⁻²⁵ ≈ 3e−8 instead of 2⁻¹¹·|w|.");
Check(magnitudes.Max() < Float16.MaxValue, "every weight fits in float16's range");

// ---------------------------------------------------------------------------------------------------------
Section("2. Integers and a scale: absmax");
var row = wte.Slice(0, 1, 2).ToArray().Take(8).ToArray();
var (q8, s8) = Int8Absmax.QuantizeTensor(row);
var back8 = Int8Absmax.DequantizeTensor(q8, s8);
Say($"The first 8 numbers of wte's row 1, as int8 with their own absmax scale s = max|w| / 127 = {G(row.Max(Math.Abs))} / 127 = {G(s8)}:");
Table(["w", "w / s", "q = round(w / s)", "ŵ = q·s", "|w − ŵ|"],
    row.Select((w, i) => (IReadOnlyList<object>)[(double)w, w / (double)s8, (int)q8[i], (double)back8[i], Math.Abs(w - (double)back8[i])]));
double worst = row.Select((w, i) => Math.Abs(w - (double)back8[i])).Max();
Check(worst <= s8 / 2 * (1 + 1e-6), $"every |w − ŵ| ≤ s/2 = {G(s8 / 2)} (the largest is {G(worst)})");
Check(q8.Max(q => Math.Abs((int)q)) == 127, "the largest |w| lands exactly on ±127: the whole range is used");

// ---------------------------------------------------------------------------------------------------------
Section("3. The whole checkpoint in each scheme: size and val loss");
// The val split and the loss are eval --all's: LossEstimator.Exact over every window (a prefix in quick mode).
var data = TokenData.FromFile(BabyGpt.Corpus, tokenizer);
int valTokens = Quick ? 10_000 : data.Val.Length;
int probeTokens = Quick ? 10_000 : 20_000; // the outlier experiments of section 4 score every model on this prefix, to stay quick
const int batch = 12;     // eval's default --batch-size
var losses = new Dictionary<(string Dir, int Tokens), double>();
double ValLoss(string dir, int tokens) => losses.TryGetValue((dir, tokens), out double loss) ? loss
    : losses[(dir, tokens)] = LossEstimator.Exact(CheckpointLoader.Load(dir).Model, data.Val[..tokens], batch);
Say(Quick
    ? $"Quick mode: the val loss is measured on the first {valTokens:N0} of the val split's {data.Val.Length:N0} tokens (every window in them); the full lesson uses them all."
    : $"The val loss is exact: every window of block_size {gpt.Config.BlockSize} in the val split's {valTokens:N0} tokens, as `scratch eval --all` computes it.");
string float32File = Path.Combine(BabyGpt.Dir, Checkpoint.ModelFile);
var results = new List<(string Name, long Bytes, double Loss)> { ("float32", new FileInfo(float32File).Length, ValLoss(BabyGpt.Dir, valTokens)) };
foreach (var scheme in QuantSchemes.All)
{
    string dir = QuantizedDir(scheme);
    var report = QuantizedCheckpoint.Write(BabyGpt.Dir, dir, scheme); // what `scratch quantize` does
    results.Add((scheme.Name(), report.Bytes, ValLoss(dir, valTokens))); // loaded as every command loads it: dequantized
}
double baseLoss = results[0].Loss;
Table(["weights", "model.safetensors bytes", "bits per weight", "× smaller", "val loss", "Δ val loss"],
    results.Select(r => (IReadOnlyList<object>)[r.Name, r.Bytes, 8.0 * r.Bytes / parameters, results[0].Bytes / (double)r.Bytes, r.Loss, r.Loss - baseLoss]));
double Delta(string name) => results.Single(r => r.Name == name).Loss - baseLoss;
Say("bits per weight counts the whole file (its header and the float32 layer norms too). 16 bits halve the file and 8 quarter it; "
    + $"int4 lands at {8.0 * results[^1].Bytes / parameters:F2} bits, not 4, because each group of 32 carries a 32-bit scale: 4 + 32/32 = 5.");

// The file holds exactly what the math says: the bytes of each quantized matrix, plus float32 for the rest.
foreach (var scheme in new[] { QuantScheme.Int8PerRow, QuantScheme.Int4Group32 })
{
    long expected = weights.Entries.Sum(e => QuantizedCheckpoint.IsQuantized(e.Name, e.Tensor) ? QuantizedTensor.Quantize(e.Tensor, scheme).Bytes : 4L * e.Tensor.Count);
    var file = File.ReadAllBytes(Path.Combine(OutDir, scheme.Name(), Checkpoint.ModelFile));
    Check(file.Length == 8 + BitConverter.ToInt64(file, 0) + expected,
        $"{scheme.Name()}: the file is 8 + header + {expected:N0} bytes of weights and scales, exactly ({file.Length:N0} bytes)");
}
Close(Delta("f16"), 0, 2e-3, "float16 leaves the val loss where it was (Δ)");
Close(Delta("bf16"), 0, 1e-2, "bfloat16 moves it by less than 0.01 (Δ)");
Close(Delta("int8-row"), 0, 1e-2, "int8 per row moves it by less than 0.01 (Δ)");
Check(Math.Abs(Delta("int4-g32")) > Math.Abs(Delta("int8-row")), $"4 bits cost more than 8: Δ int4-g32 {G(Delta("int4-g32"))} against Δ int8-row {G(Delta("int8-row"))}");
Say($"Down to 8 bits the val loss moves by at most {G(new[] { "f16", "bf16", "int8-tensor", "int8-row" }.Max(n => Math.Abs(Delta(n))))} nats "
    + $"(up or down); at 4 bits it rises by {G(Delta("int4-g32"))}. On this model, 8 bits per weight lose almost nothing and 5 lose a little.");

// The weights a command computes with are ŵ = deq(q(w)), as read back from the file: the same loss from memory.
var inMemory = BabyGpt.LoadOrTrain().Model;
foreach (var (name, tensor) in inMemory.StateDict().Entries.Where(e => QuantizedCheckpoint.IsQuantized(e.Name, e.Tensor)))
{
    tensor.CopyFrom(QuantizedTensor.Quantize(tensor, QuantScheme.Int4Group32).Dequantize());
}
Check(LossEstimator.Exact(inMemory, data.Val[..probeTokens], batch) == ValLoss(QuantizedDir(QuantScheme.Int4Group32), probeTokens),
    "dequantizing int4 in memory gives the same val loss, bit for bit, as loading the int4 file");

// `scratch quantize` is the same code: run the command and compare the bytes it writes.
var cliDir = Path.Combine(OutDir, "cli-int8-row");
int exit = ScratchCli.Run(["quantize", "--ckpt", BabyGpt.Dir, "--to", "int8-row", "--out", cliDir], TextWriter.Null, Console.Error);
Check(exit == 0 && File.ReadAllBytes(Path.Combine(cliDir, Checkpoint.ModelFile)).SequenceEqual(File.ReadAllBytes(Path.Combine(OutDir, "int8-row", Checkpoint.ModelFile))),
    "scratch quantize --to int8-row writes the same model.safetensors, byte for byte");
Say($"Any command takes these folders: scratch eval --ckpt {Path.GetRelativePath(Root, Path.Combine(OutDir, "int4-g32"))} --data {Path.GetRelativePath(Root, BabyGpt.Corpus)} --all");

string[] names = [.. results.Select(r => r.Name)];
var sizeChart = new BarChart("model.safetensors size", "kB") { Width = 520, ValueFormat = v => v.ToString("0") }
    .Categories(names).Group("kB", [.. results.Select(r => r.Bytes / 1e3)]);
var lossChart = new BarChart(Quick ? "val loss (prefix of the val split)" : "val loss (every window of the val split)", "nats per token")
    { Width = 520, ValueFormat = v => v.ToString("0.0000") }
    .Categories(names).Group("val loss", [.. results.Select(r => r.Loss)]);
Picture("size-and-loss.svg", Figure.Grid([sizeChart.ToSvg(), lossChart.ToSvg()], 2));
Say("The memory a running model needs is another matter: Scratch dequantizes on load and computes in float32, so only the file "
    + "shrinks. Inference engines such as llama.cpp keep the weights quantized in memory and dequantize a block at a time inside "
    + "the matrix multiply, which also cuts the bytes read per token.");

// ---------------------------------------------------------------------------------------------------------
Section("4. Per row beats per tensor: the outlier row");
// For each matrix: the largest row absmax against the median one. A row far above the others is an "outlier row".
var spread = matrices.Select(e =>
{
    int rows = e.Tensor.Size(0), cols = e.Tensor.Size(1);
    var values = e.Tensor.ToArray();
    var rowMax = Enumerable.Range(0, rows).Select(r => values.AsSpan(r * cols, cols).ToArray().Max(Math.Abs)).ToArray();
    var (qt, st) = Int8Absmax.QuantizeTensor(values);
    var (qr, sr) = Int8Absmax.QuantizeRows(values, rows, cols);
    double Rms(float[] b) => Math.Sqrt(values.Select((w, i) => Math.Pow(w - b[i], 2)).Average());
    return (e.Name, RowMax: rowMax, Ratio: rowMax.Max() / rowMax.Order().ElementAt(rows / 2),
        TensorRms: Rms(Int8Absmax.DequantizeTensor(qt, st)), RowRms: Rms(Int8Absmax.DequantizeRows(qr, sr, cols)));
}).ToList();
var widest = spread.MaxBy(m => m.Ratio);
Table(["matrix", "max row absmax / median", "rms |w − ŵ| per tensor", "per row", "per row better by"],
    spread.OrderByDescending(m => m.Ratio).Take(Quick ? 4 : 6).Select(m => (IReadOnlyList<object>)[m.Name, m.Ratio, m.TensorRms, m.RowRms, $"{m.TensorRms / m.RowRms:F2}×"]));
double medianMax = widest.RowMax.Order().ElementAt(widest.RowMax.Length / 2);
int medianLevels = (int)Math.Round(medianMax / (widest.RowMax.Max() / 127.0));
Say($"A tensor's largest |w| sets its step s = max|w| / 127 for every row. In {widest.Name} the largest row reaches {G(widest.RowMax.Max())}, "
    + $"{widest.Ratio:F1}× the median row's {G(medianMax)}: with the tensor's step the median row spans only q ∈ [−{medianLevels}, {medianLevels}], "
    + "with its own step all of [−127, 127]. Per row costs one float32 per row.");
Check(spread.All(m => m.RowRms <= m.TensorRms), $"per row has the smaller rms error in all {spread.Count} matrices (by {G(spread.Min(m => m.TensorRms / m.RowRms))}× to {G(spread.Max(m => m.TensorRms / m.RowRms))}×)");

// An outlier row that changes nothing the model computes: attention uses q and k only through q·k = Σᵢ qᵢ kᵢ,
// so multiplying query row 0 of c_attn by f and key row 0 by 1/f leaves every score, and the loss, as it was.
int width = gpt.Config.NEmbd;
double[] factors = [1, 10, 100, 1000];
var outlierRows = new List<(double Factor, double Float32, double PerTensor, double PerRow, float Step)>();
outlierRows.Add((1, ValLoss(BabyGpt.Dir, probeTokens), ValLoss(QuantizedDir(QuantScheme.Int8PerTensor), probeTokens),
    ValLoss(QuantizedDir(QuantScheme.Int8PerRow), probeTokens), Absmax.Scale(weights["transformer.h.0.attn.c_attn.weight"].ToArray(), 127))); // f = 1: the trained model
foreach (double factor in factors[1..])
{
    var (reshaped, _) = CheckpointLoader.Load(BabyGpt.Dir);
    float step = 0;
    for (int layer = 0; layer < gpt.Config.NLayer; layer++)
    {
        var cAttn = reshaped.StateDict()[$"transformer.h.{layer}.attn.c_attn.weight"]; // (3C, C): rows [0, C) make q, [C, 2C) make k
        var attn = cAttn.ToArray();
        for (int j = 0; j < width; j++)
        {
            attn[j] *= (float)factor;                 // query row 0
            attn[width * width + j] /= (float)factor; // key row 0
        }
        cAttn.CopyFrom(Tensor<float>.FromArray(attn, cAttn.ShapeArray()));
        step = layer == 0 ? Absmax.Scale(attn, 127) : step;
    }
    string reshapedDir = Path.Combine(OutDir, $"outlier-x{factor}");
    CheckpointLoader.Save(reshapedDir, reshaped, tokenizer);
    double Quantized(QuantScheme scheme)
    {
        string dir = Path.Combine(OutDir, $"outlier-x{factor}-{scheme.Name()}");
        QuantizedCheckpoint.Write(reshapedDir, dir, scheme);
        return ValLoss(dir, probeTokens);
    }
    outlierRows.Add((factor, ValLoss(reshapedDir, probeTokens), Quantized(QuantScheme.Int8PerTensor), Quantized(QuantScheme.Int8PerRow), step));
}
Say($"Now give every layer's c_attn an outlier row without changing the model: query row 0 × f, key row 0 ÷ f. "
    + $"Val loss on the first {probeTokens:N0} val tokens:");
Table(["f", "layer 0's per-tensor step s", "float32", "int8-tensor", "int8-row"],
    outlierRows.Select(r => (IReadOnlyList<object>)[r.Factor, (double)r.Step, r.Float32, r.PerTensor, r.PerRow]));
var last = outlierRows[^1];
Check(outlierRows.All(r => Math.Abs(r.Float32 - outlierRows[0].Float32) < 1e-4), "the reshaped float32 models all have the trained model's val loss (within 1e-4)");
Check(outlierRows.All(r => Math.Abs(r.PerRow - outlierRows[0].Float32) < 1e-2), "int8 per row does not notice the outlier rows (within 0.01 of float32 for every f)");
Check(last.PerTensor > last.Float32 + 0.1, $"int8 per tensor does: at f = {last.Factor} its val loss rises by {G(last.PerTensor - last.Float32)}");
Say("With one scale per tensor the outlier row sets the step for all of c_attn's rows: the other weights fall on fewer and fewer "
    + "levels, and the key rows, f× smaller, round to 0. Per row, each row keeps its own step: multiplying a row by f multiplies its "
    + "s by f and leaves its q as they were.");
var outlierChart = new Chart("an outlier row in every c_attn (the float32 model is unchanged)", "f, the outlier row's factor", $"val loss (first {probeTokens:N0} val tokens)") { LogX = true, Legend = Corner.TopLeft };
outlierChart.Line("float32", factors, [.. outlierRows.Select(r => r.Float32)], colour: "black", width: 2);
outlierChart.Line("int8 per tensor", factors, [.. outlierRows.Select(r => r.PerTensor)], colour: Colours.Series[3]);
outlierChart.Line("int8 per row", factors, [.. outlierRows.Select(r => r.PerRow)], colour: Colours.Series[0], dashed: true);
outlierChart.Points(null, factors, [.. outlierRows.Select(r => r.PerTensor)], colour: Colours.Series[3]);
Picture("outlier-row.svg", outlierChart.ToSvg());

return Finish();

static string QuantizedDir(QuantScheme scheme) => Path.Combine(OutDir, scheme.Name());
