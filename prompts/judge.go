package prompts

// Judge is what the evaluation judge's prompt shows.
type Judge struct {
	Rubric string
}

// RenderJudge renders the instructions of an evaluation judge.
func RenderJudge(j Judge) (string, error) { return render("judge.tmpl", j) }
