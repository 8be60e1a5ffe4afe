// The labelled-CSV loader and REFERENCE.md parser that the Isolation Forest
// benchmark and quality test use: accepted layouts and clear errors.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "tools/bench/csv.h"
#include "tools/bench/iforest_reference.h"

using dais::bench::parse_labelled_csv;

namespace {
std::string error_of(std::string_view text) {
  try {
    parse_labelled_csv(text, "t.csv");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a header, numeric features and a final label") {
  const auto table = parse_labelled_csv("a, \"b\" ,label\r\n1,2.5,0\r\n-3e2, +4 ,1\r\n\r\n", "t.csv");
  CHECK(table.cols() == 2);
  CHECK(table.rows() == 2);
  CHECK(table.feature_names == std::vector<std::string>{"a", "b"});
  CHECK(table.features == std::vector<float>{1.0f, 2.5f, -300.0f, 4.0f});
  CHECK(table.labels == std::vector<int>{0, 1});
}

TEST_CASE("malformed files name the line and column") {
  CHECK(error_of("") == "t.csv:1: empty file: expected a header line");
  CHECK(error_of("label\n1\n").find("at least one feature column") != std::string::npos);
  CHECK(error_of("1,2,0\n3,4,1\n").find("t.csv:1: column 1: header expected") == 0);
  CHECK(error_of("a,label\n").find("no data rows") != std::string::npos);
  CHECK(error_of("a,b,label\n1,2,0\n1,2\n") == "t.csv:3: expected 3 fields, found 2");
  CHECK(error_of("a,b,label\n1,,0\n") == "t.csv:2: column 2: empty field (missing value)");
  CHECK(error_of("a,b,label\n1,x,0\n") == "t.csv:2: column 2: not a number: 'x'");
  CHECK(error_of("a,b,label\n1,2x,0\n") == "t.csv:2: column 2: not a number: '2x'");
  CHECK(error_of("a,b,label\n1,nan,0\n").find("not finite") != std::string::npos);
  CHECK(error_of("a,b,label\n1,1e300,0\n").find("not finite in float") != std::string::npos);
  CHECK(error_of("a,b,label\n1,2,2\n") == "t.csv:2: column 3: label must be 0 or 1, found '2'");
  CHECK(error_of("a,b,label\n1,2,0.5\n").find("label must be 0 or 1") != std::string::npos);
  CHECK_THROWS_AS(dais::bench::load_labelled_csv("/nonexistent/x.csv"), std::runtime_error);
}

TEST_CASE("the shipped files load with the sizes REFERENCE.md states") {
  const std::string folder = std::string(DAIS_SHARED_DATA) + "/if/";
  const auto breastw = dais::bench::load_labelled_csv(folder + "breastw.csv");
  CHECK(breastw.rows() == 683);
  CHECK(breastw.cols() == 9);
  const auto ionosphere = dais::bench::load_labelled_csv(folder + "ionosphere.csv");
  CHECK(ionosphere.rows() == 351);
  CHECK(ionosphere.cols() == 33);
}

TEST_CASE("the reference table is found by its column names") {
  const std::string doc =
      "| file | rows |\n|---|---:|\n| x.csv | 10 |\n\n"
      "| file | fit s | AUC mean | AUC std | score s |\n|---|---:|---:|---:|---:|\n"
      "| x.csv | 0.5 | 0.9 | 0.01 | 0.25 |\n| y.csv | 1 | 0.8 | 0.02 | 2 |\n";
  const auto rows = dais::bench::parse_iforest_reference(doc);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].file == "x.csv");
  CHECK(rows[0].fit_s == 0.5);
  CHECK(rows[0].auc_mean == 0.9);
  CHECK(rows[0].auc_std == 0.01);
  CHECK(rows[0].score_s == 0.25);
  CHECK(rows[1].file == "y.csv");
  CHECK(dais::bench::parse_iforest_reference("no tables here\n").empty());
  CHECK_THROWS_AS(dais::bench::parse_iforest_reference("| file | AUC mean | AUC std | fit s | score s |\n"
                                                       "|---|---|---|---|---|\n| x | a | 1 | 1 | 1 |\n"),
                  std::runtime_error);
  const auto shipped = dais::bench::load_iforest_reference(std::string(DAIS_SHARED_DATA) + "/if/REFERENCE.md");
  CHECK(shipped.size() == 2);
}
