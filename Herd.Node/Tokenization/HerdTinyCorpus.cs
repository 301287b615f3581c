namespace Herd.Node.Tokenization;

/// <summary>The English text herd-tiny's merges are learned from. Changing it changes the tokenizer.</summary>
internal static class HerdTinyCorpus
{
    public const string Text =
        """
        A herd is a group of animals that live, feed and travel together. When the grass runs short in one
        place, the herd moves on to the next valley, and the young ones learn the way by walking beside the
        old ones. No single animal knows the whole path, but together they find water in the dry season and
        shelter when the winter comes. The herd is stronger than any of its members, because each of them
        watches a different part of the hills, and a warning from one is heard by all.

        In the same way, a service can be made of many small workers. Each worker runs a model and answers
        the questions that are sent to it, one token at a time. A gateway stands in front of them: it checks
        who is asking, decides which request should run first, and hands the work to the next free worker.
        When a worker is busy, the request waits in a queue; when a worker stops, the others carry on, and
        the people who asked the questions still get their answers.

        Hello! How are you today? I am a small assistant, and I will try to help you as well as I can. You
        can ask me about the weather, the time, or the name of a river. I do not know very much, because I
        have only read these few lines, but I will answer you with the words that I have learned. Thank you
        for asking, and have a good day.
        """;
}
