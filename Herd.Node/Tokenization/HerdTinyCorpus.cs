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

        The shepherd counts the animals every evening before the light is gone. She walks along the fence,
        looks at the tracks in the mud, and listens for the bells. If one of them is missing, she takes her
        lantern and her dog and goes back over the hills until she finds it. Most nights nothing is wrong,
        and the counting takes only a few minutes; but she counts anyway, because the one night she does not
        would be the night it mattered. Over the years she has learned which animals wander, which ones
        follow, and which ones lead the others to the river in the morning.

        Numbers help us to keep track of things: one, two, three, four, five, six, seven, eight, nine, ten.
        A small model can count too, after a fashion. It reads the words that came before, looks at what it
        has seen in its training, and guesses the word that is most likely to come next. The guess is not
        always right, but it is often good enough to be useful, and when it is wrong the person reading the
        answer can ask again, or ask in a different way. Questions and answers, requests and responses,
        tokens and streams: the words change, but the pattern stays the same.

        Weather reports for the week: on Monday the morning will be cold and clear, with a light wind from
        the north. Tuesday brings clouds and some rain in the afternoon. On Wednesday and Thursday the rain
        continues, heavier in the mountains than in the valleys. Friday will be dry again, and the weekend
        should be warm and sunny, a good time for walking, for working in the garden, or for sitting outside
        with friends and talking about nothing in particular until the stars come out.
        """;
}
