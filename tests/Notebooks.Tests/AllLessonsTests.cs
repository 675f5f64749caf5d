namespace Scratch.Notebooks.Tests;

/// <summary>Every lesson runs in quick mode and passes its own checks, and the reading list names every lesson.</summary>
public sealed class AllLessonsTests
{
    public static TheoryData<string> LessonFiles() => [.. LessonRunner.Lessons()];

    [Theory]
    [MemberData(nameof(LessonFiles))]
    public void Lesson_runs_in_quick_mode_and_every_check_holds(string file) =>
        LessonRunner.Run(file).AssertPassed(minChecks: 3);

    [Fact]
    public void The_reading_list_names_every_lesson_and_its_command()
    {
        string readme = File.ReadAllText(Path.Combine(LessonRunner.Root, "notebooks", "README.md"));
        foreach (var file in LessonRunner.Lessons())
        {
            Assert.Contains($"dotnet run notebooks/{file}", readme);
        }
    }

    [Fact]
    public void There_are_lessons() => Assert.NotEmpty(LessonRunner.Lessons());
}
