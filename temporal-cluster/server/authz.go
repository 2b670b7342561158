package main

// Who may call what on the test bed's Temporal frontend.
//
// Identity comes only from the client certificate the frontend verified against the test CA
// (AuthInfo.TLSSubject is set from the verified chain only): its subject is
// O=vault-bootstrap, OU=<role>, CN=<name>. Bearer tokens and headers are ignored. Each role has an
// explicit list of API methods (default deny); a few methods carry a check on the request itself:
// no role but break-glass (and the server's own system identity) may start a BreakGlassRootToken
// workflow by any API, and an agent polls only node queues.

import (
	"context"
	"crypto/x509/pkix"
	"fmt"
	"sort"
	"strings"

	commandpb "go.temporal.io/api/command/v1"
	schedulepb "go.temporal.io/api/schedule/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

const (
	// Organization is the O every client certificate of the test bed carries.
	Organization = "vault-bootstrap"
	// BreakGlassWorkflowType is the workflow type only the break-glass role may start.
	BreakGlassWorkflowType = "BreakGlassRootToken"
	// NodeQueueMarker is in the name of every node task queue: <base>-node-<swarmNodeId>.
	NodeQueueMarker = "-node-"

	workflowServicePrefix = "/temporal.api.workflowservice.v1.WorkflowService/"
	operatorServicePrefix = "/temporal.api.operatorservice.v1.OperatorService/"
	adminServicePrefix    = "/temporal.server.api.adminservice.v1.AdminService/"
	healthCheckAPI        = "/grpc.health.v1.Health/Check"
)

// Role is the OU of a client certificate.
type Role string

const (
	RoleSystem     Role = "system"
	RoleAdmin      Role = "admin"
	RoleWorker     Role = "worker"
	RoleAgent      Role = "agent"
	RoleOperator   Role = "operator"
	RoleBreakGlass Role = "break-glass"
	RoleViewer     Role = "viewer"
)

// Identity is what the claim mapper read from a verified certificate (Claims.Extensions).
type Identity struct {
	Role Role
	Name string // the CN
	// NodeID is set for an agent whose CN is agent@<swarmNodeId>: it polls only that node's queue.
	NodeID string
	// Problem is set when the subject does not follow the convention: every call is then denied.
	Problem string
}

func (id *Identity) String() string {
	if id.NodeID != "" {
		return fmt.Sprintf("role %s (node %s)", id.Role, id.NodeID)
	}
	return "role " + string(id.Role)
}

// ---------------------------------------------------------------------------------------------
// Claim mapper

// CertClaimMapper maps a verified client certificate's subject to an Identity.
type CertClaimMapper struct{}

var _ authorization.ClaimMapper = CertClaimMapper{}

// GetClaims never fails: a subject outside the convention becomes an Identity with a Problem, so
// that the authorizer denies with a reason instead of the interceptor's bare "Request unauthorized".
func (CertClaimMapper) GetClaims(info *authorization.AuthInfo) (*authorization.Claims, error) {
	if info == nil || info.TLSSubject == nil {
		// Only a bearer token (ignored here) or nothing: no identity.
		return &authorization.Claims{AuthType: "none", Extensions: &Identity{Problem: "no verified client certificate"}}, nil
	}
	id := identityOf(info.TLSSubject)
	claims := &authorization.Claims{Subject: info.TLSSubject.String(), AuthType: "mtls", Extensions: id}
	if id.Problem == "" && (id.Role == RoleSystem || id.Role == RoleAdmin) {
		// Informational only: the Authorizer below decides every call by role.
		claims.System = authorization.RoleAdmin
	}
	return claims, nil
}

// identityOf reads O=vault-bootstrap, OU=<role>, CN=<name>; exactly one of each.
func identityOf(subject *pkix.Name) *Identity {
	bad := func(format string, args ...any) *Identity {
		return &Identity{Problem: fmt.Sprintf("certificate subject %q: ", subject.String()) + fmt.Sprintf(format, args...)}
	}
	if len(subject.Organization) != 1 || subject.Organization[0] != Organization {
		return bad("O must be exactly %q", Organization)
	}
	if len(subject.OrganizationalUnit) != 1 {
		return bad("exactly one OU (the role) is required")
	}
	role := Role(subject.OrganizationalUnit[0])
	if _, known := policies[role]; !known {
		return bad("unknown role OU=%s", role)
	}
	if subject.CommonName == "" {
		return bad("a CN is required")
	}
	id := &Identity{Role: role, Name: subject.CommonName}
	if role == RoleAgent {
		if node, ok := strings.CutPrefix(subject.CommonName, "agent@"); ok {
			if node == "" || strings.ContainsAny(node, " /") {
				return bad("CN agent@<swarmNodeId> names no node")
			}
			id.NodeID = node
		}
	}
	return id
}

// ---------------------------------------------------------------------------------------------
// Policies

// check looks at the request of an allowed API; it returns a denial reason, or "" to allow.
type check func(id *Identity, api string, req any) string

// policy maps full API names to an optional check (nil: allowed as such).
type policy struct {
	apis map[string]check
	// prefixes: whole services the role may call (only system and admin have any).
	prefixes []string
	// anyNamespace: the role is not limited to the served namespaces.
	anyNamespace bool
}

func wf(names ...string) []string { return prefixed(workflowServicePrefix, names) }
func op(names ...string) []string { return prefixed(operatorServicePrefix, names) }

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

func build(groups ...map[string]check) map[string]check {
	out := map[string]check{}
	for _, g := range groups {
		for k, v := range g {
			out[k] = v
		}
	}
	return out
}

func allow(apis ...[]string) map[string]check {
	out := map[string]check{}
	for _, list := range apis {
		for _, a := range list {
			out[a] = nil
		}
	}
	return out
}

var (
	// Workflow starts of any kind: each checked for the BreakGlassRootToken type.
	noBreakGlassStarts = map[string]check{
		workflowServicePrefix + "StartWorkflowExecution":           noBreakGlass,
		workflowServicePrefix + "SignalWithStartWorkflowExecution": noBreakGlass,
		workflowServicePrefix + "ExecuteMultiOperation":            noBreakGlass,
		workflowServicePrefix + "CreateSchedule":                   noBreakGlass,
		workflowServicePrefix + "UpdateSchedule":                   noBreakGlass,
	}

	// What a client reads about the namespace and its workflows (operator, break-glass, worker).
	clientReads = wf(
		"GetSystemInfo", "DescribeNamespace", "GetSearchAttributes",
		"DescribeWorkflowExecution", "ListWorkflowExecutions", "CountWorkflowExecutions",
		"GetWorkflowExecutionHistory", "GetWorkflowExecutionHistoryReverse", "QueryWorkflow",
		"DescribeSchedule", "ListSchedules", "ListScheduleMatchingTimes", "CountSchedules",
	)
	// What a client changes about the tool's workflows and schedules (starts are in noBreakGlassStarts).
	clientWrites = wf(
		"SignalWorkflowExecution", "RequestCancelWorkflowExecution", "TerminateWorkflowExecution",
		"DeleteSchedule", "PatchSchedule",
	)

	// The SDK's worker lifecycle: validation at start, heartbeats, shutdown (seen from TS SDK 1.24).
	workerLifecycle = wf("GetSystemInfo", "DescribeNamespace", "ShutdownWorker", "RecordWorkerHeartbeat")
	activityTasks   = wf(
		"RespondActivityTaskCompleted", "RespondActivityTaskCompletedById",
		"RespondActivityTaskFailed", "RespondActivityTaskFailedById",
		"RespondActivityTaskCanceled", "RespondActivityTaskCanceledById",
		"RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById",
	)

	viewerReads = wf(
		"GetSystemInfo", "GetClusterInfo", "DescribeNamespace", "ListNamespaces", "GetSearchAttributes",
		"DescribeWorkflowExecution", "ListWorkflowExecutions", "ListOpenWorkflowExecutions",
		"ListClosedWorkflowExecutions", "ListArchivedWorkflowExecutions", "ScanWorkflowExecutions",
		"CountWorkflowExecutions", "GetWorkflowExecutionHistory", "GetWorkflowExecutionHistoryReverse",
		"DescribeSchedule", "ListSchedules", "ListScheduleMatchingTimes", "CountSchedules",
		"DescribeTaskQueue", "ListTaskQueuePartitions",
		"DescribeBatchOperation", "ListBatchOperations",
		"DescribeWorker", "ListWorkers", "CountWorkers",
		"DescribeDeployment", "ListDeployments", "GetCurrentDeployment", "GetDeploymentReachability",
		"DescribeWorkerDeployment", "ListWorkerDeployments", "DescribeWorkerDeploymentVersion",
		"GetWorkerBuildIdCompatibility", "GetWorkerTaskReachability", "GetWorkerVersioningRules",
		"DescribeActivityExecution", "ListActivityExecutions", "CountActivityExecutions",
		"DescribeNexusOperationExecution", "ListNexusOperationExecutions", "CountNexusOperationExecutions",
		"DescribeWorkflowRule", "ListWorkflowRules",
	)

	operatorPolicy = policy{apis: build(
		allow(clientReads, clientWrites, op("ListSearchAttributes")),
		noBreakGlassStarts,
	)}

	// policies: every role there is. A role missing here cannot be mapped to (identityOf).
	policies = map[Role]policy{
		RoleSystem: {prefixes: []string{workflowServicePrefix, operatorServicePrefix, adminServicePrefix}, anyNamespace: true},
		RoleAdmin: {
			prefixes: []string{operatorServicePrefix, adminServicePrefix},
			apis: allow(wf(
				"RegisterNamespace", "UpdateNamespace", "DeprecateNamespace", "DescribeNamespace", "ListNamespaces",
				"GetSystemInfo", "GetClusterInfo", "GetSearchAttributes",
			)),
			anyNamespace: true,
		},
		RoleWorker: {apis: build(
			allow(
				workerLifecycle, activityTasks, clientReads, clientWrites,
				wf(
					"PollWorkflowTaskQueue", "PollActivityTaskQueue",
					"RespondWorkflowTaskFailed", "RespondQueryTaskCompleted", "ResetStickyTaskQueue",
					"UpdateWorkflowExecution", "PollWorkflowExecutionUpdate",
					"GetWorkerBuildIdCompatibility", "GetWorkerVersioningRules", "DescribeTaskQueue",
				),
			),
			noBreakGlassStarts,
			map[string]check{workflowServicePrefix + "RespondWorkflowTaskCompleted": noBreakGlassCommands},
		)},
		RoleAgent: {apis: build(
			allow(workerLifecycle, activityTasks, wf("DescribeWorkflowExecution")),
			map[string]check{workflowServicePrefix + "PollActivityTaskQueue": nodeQueueOnly},
		)},
		RoleOperator: operatorPolicy,
		RoleBreakGlass: {apis: build(
			operatorPolicy.apis,
			allow(wf("StartWorkflowExecution", "SignalWithStartWorkflowExecution", "ExecuteMultiOperation")),
		)},
		RoleViewer: {apis: allow(viewerReads, op("ListSearchAttributes", "ListNexusEndpoints", "GetNexusEndpoint", "ListClusters"))},
	}
)

// startedTypes lists the workflow types a request starts (directly, on signal, in a multi-operation,
// or as a schedule's action).
func startedTypes(req any) []string {
	switch r := req.(type) {
	case *workflowservice.StartWorkflowExecutionRequest:
		return []string{r.GetWorkflowType().GetName()}
	case *workflowservice.SignalWithStartWorkflowExecutionRequest:
		return []string{r.GetWorkflowType().GetName()}
	case *workflowservice.ExecuteMultiOperationRequest:
		var types []string
		for _, o := range r.GetOperations() {
			if s := o.GetStartWorkflow(); s != nil {
				types = append(types, s.GetWorkflowType().GetName())
			}
		}
		return types
	case *workflowservice.CreateScheduleRequest:
		return scheduleTypes(r.GetSchedule())
	case *workflowservice.UpdateScheduleRequest:
		return scheduleTypes(r.GetSchedule())
	}
	return nil
}

func scheduleTypes(s *schedulepb.Schedule) []string {
	if start := s.GetAction().GetStartWorkflow(); start != nil {
		return []string{start.GetWorkflowType().GetName()}
	}
	return nil
}

// noBreakGlass denies a start of BreakGlassRootToken. A schedule whose action is BreakGlassRootToken
// is refused to every role but system (break-glass included): that way no such schedule can exist, and
// an operator's PatchSchedule (trigger, backfill) cannot start one indirectly.
func noBreakGlass(id *Identity, api string, req any) string {
	if req == nil {
		return fmt.Sprintf("%s may not call %s without a request to check", id, short(api))
	}
	for _, t := range startedTypes(req) {
		if t != BreakGlassWorkflowType {
			continue
		}
		switch req.(type) {
		case *workflowservice.CreateScheduleRequest, *workflowservice.UpdateScheduleRequest:
			return fmt.Sprintf("%s may not schedule %s (%s): no role may", id, BreakGlassWorkflowType, short(api))
		}
		if id.Role == RoleBreakGlass {
			return ""
		}
		return fmt.Sprintf("%s may not start %s (%s)", id, BreakGlassWorkflowType, short(api))
	}
	return ""
}

// noBreakGlassCommands: a worker's completed workflow task may not start BreakGlassRootToken as a
// child, nor continue as new into it.
func noBreakGlassCommands(id *Identity, api string, req any) string {
	r, ok := req.(*workflowservice.RespondWorkflowTaskCompletedRequest)
	if !ok {
		return fmt.Sprintf("%s may not call %s without a request to check", id, short(api))
	}
	for _, c := range r.GetCommands() {
		var name string
		switch attrs := c.GetAttributes().(type) {
		case *commandpb.Command_StartChildWorkflowExecutionCommandAttributes:
			name = attrs.StartChildWorkflowExecutionCommandAttributes.GetWorkflowType().GetName()
		case *commandpb.Command_ContinueAsNewWorkflowExecutionCommandAttributes:
			name = attrs.ContinueAsNewWorkflowExecutionCommandAttributes.GetWorkflowType().GetName()
		}
		if name == BreakGlassWorkflowType {
			return fmt.Sprintf("%s may not start %s (%s command in %s)", id, BreakGlassWorkflowType,
				c.GetCommandType().String(), short(api))
		}
	}
	return ""
}

// nodeQueueOnly: an agent polls only node queues (<base>-node-<id>); one named agent@<id> only its own.
func nodeQueueOnly(id *Identity, api string, req any) string {
	r, ok := req.(*workflowservice.PollActivityTaskQueueRequest)
	if !ok {
		return fmt.Sprintf("%s may not call %s without a request to check", id, short(api))
	}
	queue := r.GetTaskQueue().GetName()
	if id.NodeID != "" {
		if strings.HasSuffix(queue, NodeQueueMarker+id.NodeID) && len(queue) > len(NodeQueueMarker+id.NodeID) {
			return ""
		}
		return fmt.Sprintf("%s may not poll task queue %q: only its node's queue <base>%s%s", id, queue, NodeQueueMarker, id.NodeID)
	}
	if i := strings.Index(queue, NodeQueueMarker); i > 0 && i+len(NodeQueueMarker) < len(queue) {
		return ""
	}
	return fmt.Sprintf("%s may not poll task queue %q: only node queues <base>%s<swarmNodeId>", id, queue, NodeQueueMarker)
}

func short(api string) string { return api[strings.LastIndex(api, "/")+1:] }

// ---------------------------------------------------------------------------------------------
// Authorizer

// RoleAuthorizer decides every frontend call by the caller's role (see policies).
type RoleAuthorizer struct {
	// Namespaces the roles other than system and admin may act in (requests naming no namespace,
	// such as GetSystemInfo, are not limited).
	Namespaces map[string]bool
	Logger     log.Logger
	// LogAllowed logs the calls it allows too (to learn which calls a client makes).
	LogAllowed bool
}

var _ authorization.Authorizer = (*RoleAuthorizer)(nil)

func NewRoleAuthorizer(namespaces []string, logger log.Logger) *RoleAuthorizer {
	a := &RoleAuthorizer{Namespaces: map[string]bool{}, Logger: logger}
	for _, n := range namespaces {
		a.Namespaces[n] = true
	}
	return a
}

func (a *RoleAuthorizer) Authorize(_ context.Context, claims *authorization.Claims, target *authorization.CallTarget) (authorization.Result, error) {
	reason := a.decide(claims, target)
	subject := "-"
	if claims != nil && claims.Subject != "" {
		subject = claims.Subject
	}
	if reason == "" {
		if a.LogAllowed && a.Logger != nil {
			a.Logger.Info("vbt-authz: allowed",
				tag.NewStringTag("subject", subject),
				tag.NewStringTag("api", target.APIName),
				tag.WorkflowNamespace(target.Namespace))
		}
		return authorization.Result{Decision: authorization.DecisionAllow}, nil
	}
	if a.Logger != nil {
		a.Logger.Info("vbt-authz: denied",
			tag.NewStringTag("subject", subject),
			tag.NewStringTag("api", target.APIName),
			tag.WorkflowNamespace(target.Namespace),
			tag.NewStringTag("reason", reason))
	}
	// A deny Result alone reaches the caller as PermissionDenied "Request unauthorized." with the reason
	// only in its details, which neither the CLI nor the TypeScript SDK shows. Returned as an error, with
	// the dynamic config frontend.exposeAuthorizerErrors on (the bed sets it), the reason is in the
	// message too. Without that setting the interceptor masks the error: still a denial.
	return authorization.Result{Decision: authorization.DecisionDeny, Reason: reason},
		serviceerror.NewPermissionDenied(authorization.RequestUnauthorized+" "+reason, reason)
}

// decide returns "" to allow, or why not.
func (a *RoleAuthorizer) decide(claims *authorization.Claims, target *authorization.CallTarget) string {
	api := target.APIName
	if api == healthCheckAPI {
		return ""
	}
	var id *Identity
	if claims != nil {
		id, _ = claims.Extensions.(*Identity)
	}
	if id == nil {
		return fmt.Sprintf("no verified client certificate: %s denied", short(api))
	}
	if id.Problem != "" {
		return id.Problem + ": " + short(api) + " denied"
	}
	p, ok := policies[id.Role]
	if !ok {
		return fmt.Sprintf("unknown role %q: %s denied", id.Role, short(api))
	}
	c, listed := p.apis[api]
	if !listed {
		for _, prefix := range p.prefixes {
			if strings.HasPrefix(api, prefix) {
				listed = true
			}
		}
	}
	if !listed {
		return fmt.Sprintf("%s may not call %s", id, short(api))
	}
	if !p.anyNamespace && target.Namespace != "" && !a.Namespaces[target.Namespace] {
		return fmt.Sprintf("%s may not call %s in namespace %s", id, short(api), target.Namespace)
	}
	if c != nil {
		return c(id, api, target.Request)
	}
	return ""
}

// RoleAPIs lists a role's API names (sorted), with "(checked)" after those with a request check and
// its whole-service prefixes as "<prefix>*": the table docs/temporal-cluster.md shows.
func RoleAPIs(role Role) []string {
	p := policies[role]
	var out []string
	for api, c := range p.apis {
		s := api
		if c != nil {
			s += " (checked)"
		}
		out = append(out, s)
	}
	for _, prefix := range p.prefixes {
		out = append(out, prefix+"*")
	}
	sort.Strings(out)
	return out
}
