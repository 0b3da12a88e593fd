package server

// The admin API (admin keys): the workspace file, flows, knowledge,
// contacts, tasks and the audit log.
func (s *Server) adminRoutes() []Route {
	return nil
}
