using System.Text;

namespace Scratch.Gpt.Tokenizers;

public sealed partial class Gpt2Tokenizer
{
    private Dictionary<string, int>? idOfToken;                    // encoder.py: self.encoder
    private Dictionary<(string, string), int>? rankOfStrings;      // encoder.py: self.bpe_ranks

    /// <summary>
    /// OpenAI's <c>encoder.py</c> <c>encode</c>, line for line, on strings: the reference that <see cref="EncodeOrdinary"/>
    /// is tested against. Slow (no cache, O(n²) per piece); only for tests.
    /// <code>
    /// for token in re.findall(self.pat, text):
    ///     token = ''.join(self.byte_encoder[b] for b in token.encode('utf-8'))
    ///     bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(' '))
    /// </code>
    /// </summary>
    internal int[] EncodeReference(string text)
    {
        idOfToken ??= Enumerable.Range(0, VocabSize).ToDictionary(id => tokenStrings[id], StringComparer.Ordinal);
        rankOfStrings ??= Enumerable.Range(0, merges.Length)
            .ToDictionary(k => (tokenStrings[merges[k].Left], tokenStrings[merges[k].Right]));
        var ids = new List<int>();
        foreach (var piece in Gpt2PreTokenizer.Split(text))
        {
            var token = BytesToUnicode.Encode(Encoding.UTF8.GetBytes(piece));
            foreach (var symbol in BpeReference(token))
                ids.Add(idOfToken[symbol]);
        }
        return [.. ids];
    }

    /// <summary>encoder.py's <c>bpe</c>: the word as single characters; merge the lowest-ranked pair everywhere; repeat.</summary>
    private List<string> BpeReference(string token)
    {
        var word = token.Select(c => c.ToString()).ToList();
        while (word.Count > 1)
        {
            // bigram = min(pairs, key = lambda pair: self.bpe_ranks.get(pair, float('inf')))
            (string First, string Second)? bigram = null;
            var best = int.MaxValue;
            for (var i = 0; i + 1 < word.Count; i++)
                if (rankOfStrings!.TryGetValue((word[i], word[i + 1]), out var rank) && rank < best)
                    (bigram, best) = ((word[i], word[i + 1]), rank);
            if (bigram is not { } pair)
                break;                          // if bigram not in self.bpe_ranks: break
            var (first, second) = pair;
            var newWord = new List<string>();
            for (var i = 0; i < word.Count;)
            {
                var j = word.IndexOf(first, i);
                if (j < 0)
                {
                    newWord.AddRange(word.Skip(i));
                    break;
                }
                newWord.AddRange(word.Skip(i).Take(j - i));
                i = j;
                if (i < word.Count - 1 && word[i + 1] == second)
                {
                    newWord.Add(first + second);
                    i += 2;
                }
                else
                {
                    newWord.Add(word[i]);
                    i += 1;
                }
            }
            word = newWord;
        }
        return word;
    }
}
