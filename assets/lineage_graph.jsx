// Lineage graph for Workbench: React Flow with the layout the server computed (left to right by hops),
// nodes coloured by layer, clicks reported to the server, and PNG / SVG export drawn in the browser.
// Bundled from npm: nothing loads from a CDN.
import React, { useCallback, useMemo } from "react";
import {
  ReactFlow, ReactFlowProvider, Background, Controls, MarkerType, Position,
  getNodesBounds, getViewportForBounds, useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { toPng, toSvg } from "html-to-image";

const LAYER_COLOURS = {
  bronze: { background: "#f6e3d3", border: "#b0703c" },
  silver: { background: "#eef0f3", border: "#7b8794" },
  gold: { background: "#fdf3c4", border: "#c99a06" },
  platinum: { background: "#ece8fb", border: "#7c6bd6" },
  other: { background: "#ffffff", border: "#9aa4b2" },
};
const IMAGE_WIDTH = 1600;
const IMAGE_HEIGHT = 900;

function download(dataUrl, fileName) {
  const link = document.createElement("a");
  link.setAttribute("download", fileName);
  link.setAttribute("href", dataUrl);
  link.click();
}

function ExportButtons({ fileName, nodes }) {
  const { getNodes } = useReactFlow();
  const render = useCallback((kind) => {
    const bounds = getNodesBounds(getNodes());
    const viewport = getViewportForBounds(bounds, IMAGE_WIDTH, IMAGE_HEIGHT, 0.2, 2, 0.1);
    const element = document.querySelector(".wb-lineage .react-flow__viewport");
    const options = {
      backgroundColor: "#ffffff", width: IMAGE_WIDTH, height: IMAGE_HEIGHT,
      style: {
        width: `${IMAGE_WIDTH}px`, height: `${IMAGE_HEIGHT}px`,
        transform: `translate(${viewport.x}px, ${viewport.y}px) scale(${viewport.zoom})`,
      },
    };
    const draw = kind === "svg" ? toSvg : toPng;
    draw(element, options).then((url) => download(url, `${fileName}.${kind}`));
  }, [getNodes, fileName]);
  const style = {
    padding: "4px 10px", borderRadius: 6, border: "1px solid #c9ced6", background: "white", cursor: "pointer",
    fontSize: 12,
  };
  return (
    <div style={{ position: "absolute", right: 10, top: 10, zIndex: 5, display: "flex", gap: 6 }}>
      <button id="export-png" style={style} onClick={() => render("png")} disabled={!nodes.length}>PNG</button>
      <button id="export-svg" style={style} onClick={() => render("svg")} disabled={!nodes.length}>SVG</button>
    </div>
  );
}

function Graph({ nodes, edges, onNodeClick, onEdgeClick, fileName }) {
  const flowNodes = useMemo(() => (nodes || []).map((n) => {
    const colours = LAYER_COLOURS[n.layer] || LAYER_COLOURS.other;
    return {
      id: n.id,
      position: { x: n.x, y: n.y },
      data: { label: n.label },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      className: `wb-lineage-node layer-${n.layer}${n.center ? " is-center" : ""}`,
      style: {
        background: colours.background, border: `${n.center ? 3 : 1}px solid ${colours.border}`,
        borderRadius: 8, padding: 8, fontSize: 12, width: 220,
      },
    };
  }), [nodes]);
  const flowEdges = useMemo(() => (edges || []).map((e) => ({
    id: e.id, source: e.source, target: e.target, label: e.label,
    className: "wb-lineage-edge", markerEnd: { type: MarkerType.ArrowClosed },
    style: { strokeWidth: 1.5 }, labelStyle: { fontSize: 10 },
  })), [edges]);
  return (
    <ReactFlow
      nodes={flowNodes} edges={flowEdges} fitView minZoom={0.1} nodesDraggable nodesConnectable={false}
      onNodeClick={(_event, node) => onNodeClick && onNodeClick(node.id)}
      onEdgeClick={(_event, edge) => onEdgeClick && onEdgeClick(edge.id)}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={18} />
      <Controls showInteractive={false} />
      <ExportButtons fileName={fileName} nodes={flowNodes} />
    </ReactFlow>
  );
}

export function LineageGraph({ nodes, edges, onNodeClick, onEdgeClick, fileName, height, id }) {
  return (
    <div id={id} className="wb-lineage" style={{ width: "100%", height: height || "560px", position: "relative",
      border: "1px solid var(--gray-6)", borderRadius: 8 }}>
      <ReactFlowProvider>
        <Graph nodes={nodes} edges={edges} onNodeClick={onNodeClick} onEdgeClick={onEdgeClick}
               fileName={fileName || "lineage"} />
      </ReactFlowProvider>
    </div>
  );
}
