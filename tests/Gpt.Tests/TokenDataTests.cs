using Scratch.Gpt.Data;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class TokenDataTests
{
    private static int[] Range(int n) => Enumerable.Range(0, n).ToArray();

    [Fact]
    public void SplitsNinetyTen()
    {
        var data = new TokenData(Range(1000));
        Assert.Equal(900, data.Train.Length);
        Assert.Equal(100, data.Val.Length);
        Assert.Equal(0, data.Train[0]);
        Assert.Equal(900, data.Val[0]);
        Assert.Equal(999, data.Val[^1]);

        var odd = new TokenData(Range(15));   // n = int(0.9·15) = int(13.5) = 13
        Assert.Equal(13, odd.Train.Length);
        Assert.Equal(2, odd.Val.Length);
    }

    [Fact]
    public void ShakespeareSplitsAsNanoGpt()
    {
        var data = TokenData.FromFile(Corpus.ShakespearePath, CharTokenizer.FromText(Corpus.Shakespeare));
        Assert.Equal(1_115_394, data.Length);
        Assert.Equal(1_003_854, data.Train.Length);
        Assert.Equal(111_540, data.Val.Length);
    }

    [Fact]
    public void TargetsAreTheInputsShiftedByOne()
    {
        const int B = 8, T = 16;
        var data = new TokenData(Range(1000));   // token k is k, so a window shows where it started
        foreach (var split in new[] { DataSplit.Train, DataSplit.Val })
        {
            var (lo, len) = split == DataSplit.Train ? (0, 900) : (900, 100);
            var (x, y) = data.GetBatch(split, B, T, new Rng(7));
            Assert.Equal(B * T, x.Length);
            Assert.Equal(B * T, y.Length);
            for (var b = 0; b < B; b++)
            {
                var start = x[b * T];
                Assert.InRange(start, lo, lo + len - T - 1);      // i ∈ [0, len − T)
                for (var t = 0; t < T; t++)
                {
                    Assert.Equal(start + t, x[b * T + t]);         // x[b] = d[i : i+T]
                    Assert.Equal(start + t + 1, y[b * T + t]);     // y[b] = d[i+1 : i+T+1]
                }
            }
        }
    }

    [Fact]
    public void EveryStartIsReachableAndNoneBeyond()
    {
        // The split has len = 9 tokens (of 10), T = 4: starts 0..4 inclusive, i.e. rng.NextInt(9 − 4).
        var data = new TokenData(Range(10));
        var seen = new HashSet<int>();
        var rng = new Rng(1);
        for (var k = 0; k < 200; k++)
            seen.Add(data.GetBatch(DataSplit.Train, 1, 4, rng).X[0]);
        Assert.Equal([0, 1, 2, 3, 4], seen.Order());
    }

    [Fact]
    public void SameSeedGivesTheSameBatch()
    {
        var data = new TokenData(Range(5000));
        var first = data.GetBatch(DataSplit.Train, 4, 32, new Rng(42));
        var second = data.GetBatch(DataSplit.Train, 4, 32, new Rng(42));
        var other = data.GetBatch(DataSplit.Train, 4, 32, new Rng(43));
        Assert.Equal(first.X, second.X);
        Assert.Equal(first.Y, second.Y);
        Assert.NotEqual(first.X, other.X);

        // the buffer overload draws the same numbers
        var x = new int[4 * 32];
        var y = new int[4 * 32];
        data.GetBatch(DataSplit.Train, 4, 32, new Rng(42), x, y);
        Assert.Equal(first.X, x);
        Assert.Equal(first.Y, y);
    }

    [Fact]
    public void ErrorsSayWhatIsWrong()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new TokenData([])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(
            () => TokenData.FromText("", CharTokenizer.FromText("a"))).Message);

        var data = new TokenData(Range(1000));   // val has 100 tokens
        var tooShort = Assert.Throws<ArgumentException>(() => data.GetBatch(DataSplit.Val, 2, 100, new Rng(0)));
        Assert.Contains("val split has 100 tokens", tooShort.Message);
        Assert.Contains("block size of 100", tooShort.Message);
        Assert.Contains("at least block size + 1 = 101", tooShort.Message);
        data.GetBatch(DataSplit.Val, 2, 99, new Rng(0));   // 100 = 99 + 1 is just enough

        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetBatch(DataSplit.Train, 0, 8, new Rng(0)));
        Assert.Throws<ArgumentException>(() => data.GetBatch(DataSplit.Train, 2, 8, new Rng(0), new int[15], new int[16]));

        var missing = Path.Combine(Path.GetTempPath(), "scratch-no-such-corpus.txt");
        var notFound = Assert.Throws<FileNotFoundException>(() => TokenData.FromFile(missing, CharTokenizer.FromText("a")));
        Assert.Contains(missing, notFound.Message);
    }
}
