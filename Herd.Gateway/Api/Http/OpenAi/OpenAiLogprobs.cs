using System.Text;
using Herd.Contracts.V1;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>Herd's per-token logprobs and finish reasons in OpenAI's shapes.</summary>
public static class OpenAiLogprobs
{
    public static IReadOnlyList<ChatTokenLogprob> Chat(IEnumerable<TokenLogprob> tokens, int top)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return [.. tokens.Select(token => new ChatTokenLogprob(
            token.Token,
            token.Logprob,
            Bytes(token.Token),
            [.. token.Top.Take(top).Select(alternative => new ChatTopLogprob(alternative.Token, alternative.Logprob, Bytes(alternative.Token)))]))];
    }

    /// <param name="textOffset">Where the first token starts in the choice's text.</param>
    public static TextLogprobs Text(IReadOnlyCollection<TokenLogprob> tokens, int top, int textOffset)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var offsets = new List<int>(tokens.Count);
        var offset = textOffset;
        foreach (var token in tokens)
        {
            offsets.Add(offset);
            offset += token.Token.Length;
        }

        return new TextLogprobs(
            [.. tokens.Select(token => token.Token)],
            [.. tokens.Select(token => token.Logprob)],
            [.. tokens.Select(token => TopOf(token, top))],
            offsets);
    }

    /// <summary>OpenAI knows <c>stop</c> and <c>length</c>; a job an operator cancelled stopped.</summary>
    public static string FinishReason(Contracts.V1.FinishReason reason) => reason == Contracts.V1.FinishReason.Length ? "length" : "stop";

    private static Dictionary<string, float> TopOf(TokenLogprob token, int top)
    {
        var alternatives = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var alternative in token.Top.Take(top))
        {
            alternatives.TryAdd(alternative.Token, alternative.Logprob);
        }

        return alternatives;
    }

    private static int[] Bytes(string token) => [.. Encoding.UTF8.GetBytes(token).Select(b => (int)b)];
}
