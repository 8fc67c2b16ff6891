import React, { useState } from 'react';
import { useStore } from '../components/use-store.js';
import type { BackupFeature } from '../src/backup/backup-feature.js';
import { Backups } from './Backups.js';
import { BackupWizard } from './BackupWizard.js';
import { Restore } from './Restore.js';

export type BackupView = { name: 'list' } | { name: 'wizard' } | { name: 'restore'; id: string };

export interface BackupAreaProps {
  feature: BackupFeature;
  width: number;
  height: number;
  color: boolean;
  onBack: () => void;
  /** Help for the view on screen. */
  onHelp: (view: BackupView['name']) => void;
}

/** The Backups list, the wizard and a restore, over one backup feature (one set of stores). */
export function BackupArea({ feature, width, height, color, onBack, onHelp }: BackupAreaProps) {
  const [view, setView] = useState<BackupView>(feature.configured() ? { name: 'list' } : { name: 'wizard' });
  const list = useStore(feature.stores.list);
  const run = useStore(feature.stores.run);
  const wizard = useStore(feature.stores.wizard);
  const restore = useStore(feature.stores.restore);
  const toList = () => setView({ name: 'list' });
  if (view.name === 'wizard') {
    return <BackupWizard wizard={wizard} run={run} width={width} height={height} color={color} actions={feature.actions} onHelp={() => onHelp('wizard')} onBack={feature.configured() ? toList : onBack} />;
  }
  if (view.name === 'restore') {
    return <Restore id={view.id} restore={restore} width={width} height={height} color={color} actions={feature.actions} onHelp={() => onHelp('restore')} onBack={toList} />;
  }
  return (
    <Backups
      list={list}
      run={run}
      width={width}
      height={height}
      color={color}
      actions={feature.actions}
      onOpenRestore={(id) => setView({ name: 'restore', id })}
      onOpenWizard={() => setView({ name: 'wizard' })}
      onHelp={() => onHelp('list')}
      onBack={onBack}
    />
  );
}
