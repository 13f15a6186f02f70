// Pipeline canvas for Workbench: React Flow with a palette to drag Bronze / Silver / Gold / Custom nodes
// onto the canvas, handles to connect them, Delete to remove a selected edge, and every change reported to
// the server, which holds the definition. Bundled from npm: nothing loads from a CDN.
import React, { useCallback, useEffect, useMemo, useRef } from "react";
import {
  ReactFlow, ReactFlowProvider, Background, Controls, Handle, MarkerType, Position,
  useNodesState, useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";

const KINDS = {
  bronze: { label: "Bronze", background: "#f6e3d3", border: "#b0703c", hint: "Raw ingestion" },
  silver: { label: "Silver", background: "#eef0f3", border: "#7b8794", hint: "Clean & conform" },
  gold: { label: "Gold", background: "#fdf3c4", border: "#c99a06", hint: "Business mart" },
  custom: { label: "Custom", background: "#e6f4ea", border: "#3c8d5a", hint: "Python" },
};
const STATUS = {
  ok: "#2f9e44", completed: "#2f9e44", error: "#e03131", failed: "#e03131", running: "#1c7ed6",
  skipped: "#868e96", cancelled: "#868e96", pending: "#adb5bd",
};
const DRAG_TYPE = "application/x-workbench-node";

function PipelineNode({ data, selected }) {
  const kind = KINDS[data.kind] || KINDS.custom;
  const status = STATUS[data.status];
  return (
    <div
      id={`node-${data.nodeId}`}
      className={`wb-pipe-node kind-${data.kind} status-${data.status || "none"}`}
      style={{
        background: kind.background, border: `${selected ? 3 : 1}px solid ${status || kind.border}`,
        borderRadius: 8, padding: "6px 10px", width: 200, fontSize: 12,
        boxShadow: status ? `0 0 0 2px ${status}33` : "none",
      }}
    >
      <Handle type="target" position={Position.Left} id="in" className="wb-handle-in"
              style={{ width: 12, height: 12, background: kind.border }} />
      <div style={{ display: "flex", justifyContent: "space-between", gap: 6 }}>
        <strong style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>{data.label}</strong>
        <span style={{ fontSize: 10, color: kind.border, textTransform: "uppercase" }}>{kind.label}</span>
      </div>
      <div style={{ color: "#555", fontFamily: "monospace", fontSize: 11, marginTop: 2 }}>{data.target || "no target"}</div>
      {data.note ? (
        <div className="wb-node-note" style={{ color: status || "#555", fontSize: 11, marginTop: 2 }}>{data.note}</div>
      ) : null}
      <Handle type="source" position={Position.Right} id="out" className="wb-handle-out"
              style={{ width: 12, height: 12, background: kind.border }} />
    </div>
  );
}

const nodeTypes = { pipeline: PipelineNode };

function Palette() {
  const start = (event, kind) => {
    event.dataTransfer.setData(DRAG_TYPE, kind);
    event.dataTransfer.setData("text/plain", kind);
    event.dataTransfer.effectAllowed = "move";
  };
  return (
    <div className="wb-palette" style={{
      display: "flex", flexDirection: "column", gap: 6, background: "var(--gray-2, #f8f9fa)",
      borderRight: "1px solid #dee2e6", padding: 8, width: 130, flex: "0 0 130px",
    }}>
      <div style={{ fontSize: 11, color: "#868e96" }}>Drag onto the canvas</div>
      {Object.entries(KINDS).map(([kind, k]) => (
        <div key={kind} id={`palette-${kind}`} draggable onDragStart={(e) => start(e, kind)}
             style={{ background: k.background, border: `1px solid ${k.border}`, borderRadius: 6, padding: "4px 8px",
                      cursor: "grab", fontSize: 12 }}>
          <strong>{k.label}</strong> <span style={{ color: "#666", fontSize: 10 }}>{k.hint}</span>
        </div>
      ))}
    </div>
  );
}

function Canvas({ nodes, edges, editable, onAddNode, onConnectNodes, onMoveNode, onSelectNode, onDeleteEdges }) {
  const wrapper = useRef(null);
  const { screenToFlowPosition, fitView } = useReactFlow();
  const incoming = useMemo(() => (nodes || []).map((n) => ({
    id: n.id,
    type: "pipeline",
    position: { x: n.x, y: n.y },
    data: { nodeId: n.id, label: n.label, kind: n.type, target: n.target, status: n.status, note: n.note },
    selected: !!n.selected,
  })), [nodes]);
  const [flowNodes, setFlowNodes, onNodesChange] = useNodesState(incoming);
  useEffect(() => setFlowNodes(incoming), [incoming, setFlowNodes]);
  // A node added or removed: bring every node into view again.
  const count = incoming.length;
  useEffect(() => {
    const timer = setTimeout(() => fitView({ padding: 0.2, maxZoom: 1, duration: 0 }), 50);
    return () => clearTimeout(timer);
  }, [count, fitView]);

  const flowEdges = useMemo(() => (edges || []).map((e) => ({
    id: e.id, source: e.source, target: e.target, className: "wb-pipe-edge",
    markerEnd: { type: MarkerType.ArrowClosed }, style: { strokeWidth: 2 },
  })), [edges]);

  const onDrop = useCallback((event) => {
    event.preventDefault();
    const kind = event.dataTransfer.getData(DRAG_TYPE) || event.dataTransfer.getData("text/plain");
    if (!KINDS[kind] || !editable) return;
    const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
    onAddNode && onAddNode(kind, Math.round(at.x), Math.round(at.y));
  }, [screenToFlowPosition, onAddNode, editable]);
  const onDragOver = useCallback((event) => { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }, []);

  return (
    <div style={{ display: "flex", width: "100%", height: "100%" }}>
      {editable ? <Palette /> : null}
      <div ref={wrapper} style={{ flex: 1, height: "100%", position: "relative" }} onDrop={onDrop}
           onDragOver={onDragOver} className="wb-pipeline-canvas">
      <ReactFlow
        nodes={flowNodes} edges={flowEdges} nodeTypes={nodeTypes} onNodesChange={onNodesChange}
        fitView fitViewOptions={{ maxZoom: 1, padding: 0.2 }} minZoom={0.2}
        nodesDraggable={!!editable} nodesConnectable={!!editable} elementsSelectable
        deleteKeyCode={editable ? ["Delete", "Backspace"] : null}
        onConnect={(c) => onConnectNodes && onConnectNodes(c.source, c.target)}
        onNodeDragStop={(_e, node) => onMoveNode && onMoveNode(node.id, Math.round(node.position.x),
                                                                Math.round(node.position.y))}
        onNodeClick={(_e, node) => onSelectNode && onSelectNode(node.id)}
        onNodesDelete={() => null}
        onEdgesDelete={(deleted) => onDeleteEdges && onDeleteEdges(deleted.map((e) => e.id))}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} />
        <Controls showInteractive={false} />
      </ReactFlow>
      </div>
    </div>
  );
}

export function PipelineCanvas(props) {
  return (
    <div id={props.id} className="wb-pipeline" style={{ width: "100%", height: props.height || "520px",
                                                         border: "1px solid var(--gray-6)", borderRadius: 8 }}>
      <ReactFlowProvider>
        <Canvas {...props} />
      </ReactFlowProvider>
    </div>
  );
}
