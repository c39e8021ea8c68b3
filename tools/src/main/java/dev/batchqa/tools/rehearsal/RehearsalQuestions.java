package dev.batchqa.tools.rehearsal;

import java.util.ArrayList;
import java.util.List;

/**
 * Questions for the rehearsal, with the answer each must get.
 *
 * <p>{@code fixture}: for model/fixtures/tiny-qa, whose pointer rule answers with the word after a question word
 * found in the context (as the load test uses it): every question has its own value, so a mixed-up
 * answer cannot pass. {@code squad}: SQuAD-shaped paragraphs (100-170 tokens, one 384-token window each) for a
 * real QA model, written for this rehearsal; a real model may miss one, so the rehearsal asks for 8 of 10.
 * {@code random}: the same questions for a model with random weights (speed only, answers not checked).
 */
final class RehearsalQuestions {

  record Question(String question, String context, String expected) {}

  private RehearsalQuestions() {}

  /** Batch number {@code batch} of {@code size} questions (the squad set repeats to fill a batch). */
  static List<Question> batch(String kind, int batch, int size) {
    return switch (kind) {
      case "fixture" -> fixture(batch, size);
      case "squad", "random" -> {
        List<Question> questions = new ArrayList<>();
        for (int j = 0; j < size; j++) {
          questions.add(SQUAD.get(j % SQUAD.size()));
        }
        yield questions;
      }
      default -> throw new IllegalArgumentException("questions: fixture or squad, not " + kind);
    };
  }

  /**
   * Right answers required: every one ({@code fixture}), 8 of 10 ({@code squad}), none ({@code random}: a model
   * with random weights, such as model/make_mobilebert_shaped.py's, measured for speed only).
   */
  static int required(String kind, int questions) {
    return switch (kind) {
      case "fixture" -> questions;
      case "random" -> 0;
      default -> (int) Math.ceil(questions * 0.8);
    };
  }

  private static final String[] CUES = {"score", "result", "price", "value", "number", "year", "name", "capital",
      "river", "town"};
  private static final String[] FILLER = {"alpha bravo delta kilo.", "lima oscar tango zulu.",
      "the sierra was quebec for november.", "echo hotel india juliet mike."};

  private static List<Question> fixture(int batch, int size) {
    List<Question> questions = new ArrayList<>();
    for (int j = 0; j < size; j++) {
      int i = batch * size + j;
      String cue = CUES[j % CUES.length];
      String value = Integer.toString(1000 + i);
      StringBuilder context = new StringBuilder();
      for (int f = 0; f < i % 4; f++) {
        context.append(FILLER[(i + f) % FILLER.length]).append(' ');
      }
      context.append("In this report the ").append(cue).append(' ').append(value).append(" appears once.");
      questions.add(new Question(j % 2 == 0 ? "What is the " + cue + "?" : "Which " + cue + "?",
          context.toString(), value));
    }
    return questions;
  }

  private static final String RIVER = "The Rhine is a river that begins in the Swiss canton of Graubunden in the "
      + "southeastern Swiss Alps, forms part of the Swiss-Austrian, Swiss-Liechtenstein border, Swiss-German and then "
      + "the Franco-German border, then flows through the German Rhineland and the Netherlands and eventually empties "
      + "into the North Sea. The biggest city on the river Rhine is Cologne, Germany, with a population of more than "
      + "1,050,000 people. It is the second-longest river in Central and Western Europe, at about 1,230 km.";
  private static final String UNIVERSITY = "The University of Chicago is a private research university in Chicago, "
      + "Illinois. It was founded in 1890 by the American Baptist Education Society with a donation from oil magnate "
      + "John D. Rockefeller. The first president of the university was William Rainey Harper. The university "
      + "holds top-ten positions in various national and international rankings and its campus lies in the Hyde Park "
      + "neighborhood, about seven miles south of downtown Chicago.";
  private static final String STADIUM = "Super Bowl 50 was an American football game to determine the champion of "
      + "the National Football League for the 2015 season. The American Football Conference champion Denver Broncos "
      + "defeated the National Football Conference champion Carolina Panthers 24 to 10 to earn their third Super "
      + "Bowl title. The game was played on February 7, 2016, at Levi's Stadium in Santa Clara, California. The "
      + "quarterback of the Broncos, Peyton Manning, retired one month after the game.";
  private static final String OXYGEN = "Oxygen is a chemical element with symbol O and atomic number 8. It is a "
      + "member of the chalcogen group on the periodic table and is a highly reactive nonmetal. Oxygen was discovered "
      + "independently by Carl Wilhelm Scheele, in Uppsala, in 1773, and Joseph Priestley in Wiltshire, in 1774. "
      + "The name oxygen was coined in 1777 by Antoine Lavoisier, whose experiments helped discredit the phlogiston "
      + "theory of combustion.";
  private static final String TOWER = "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in "
      + "Paris, France. It is named after the engineer Gustave Eiffel, whose company designed and built the tower. "
      + "Constructed from 1887 to 1889 as the entrance to the 1889 World's Fair, it was initially criticised by some "
      + "of France's leading artists and intellectuals for its design. The tower is 330 metres tall, about the same "
      + "height as an 81-storey building.";

  static final List<Question> SQUAD = List.of(
      new Question("Which city is the biggest on the Rhine?", RIVER, "Cologne"),
      new Question("Into which sea does the Rhine empty?", RIVER, "North Sea"),
      new Question("Who was the first president of the University of Chicago?", UNIVERSITY, "William Rainey Harper"),
      new Question("In what year was the University of Chicago founded?", UNIVERSITY, "1890"),
      new Question("Which team won Super Bowl 50?", STADIUM, "Denver Broncos"),
      new Question("Where was Super Bowl 50 played?", STADIUM, "Levi's Stadium"),
      new Question("What is the atomic number of oxygen?", OXYGEN, "8"),
      new Question("Who coined the name oxygen?", OXYGEN, "Antoine Lavoisier"),
      new Question("Who is the Eiffel Tower named after?", TOWER, "Gustave Eiffel"),
      new Question("How tall is the Eiffel Tower?", TOWER, "330 metres"));
}
